package org.caregraph.security.authz;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.caregraph.security.CareGraphScope;
import org.caregraph.security.ServerUrls;
import org.caregraph.security.SigningKeys;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.CrossOrigin;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a client reads before it has a token: SMART's {@code /.well-known/smart-configuration} (SMART App Launch 2.x
 * §Conformance; also under the FHIR base, where SMART says to look, through {@link FhirBaseServlet} since HAPI owns
 * {@code /fhir/*}), the OpenID Connect discovery document that {@code sso-openid-connect} implies, and the JWKS our
 * tokens are signed with. Every URL in them is built on {@link ServerUrls}, never on the request's Host header.
 * Readable cross-origin: browser apps on other origins discover the server before they sign in.
 */
@RestController
@CrossOrigin(origins = "*")
public class SmartDiscovery {
    /** SMART's capability codes for what this server does. */
    static final List<String> CAPABILITIES = List.of("launch-standalone", "client-public", "client-confidential-symmetric",
            "client-confidential-asymmetric", "context-standalone-patient", "permission-offline", "permission-patient",
            "permission-user", "permission-v1", "permission-v2", "sso-openid-connect");
    static final List<String> ASSERTION_ALGORITHMS = List.of("RS384", "ES384");

    private final ServerUrls urls;
    private final SigningKeys keys;
    private final JsonMapper json = JsonMapper.builder().build();

    public SmartDiscovery(ServerUrls urls, SigningKeys keys) {
        this.urls = urls;
        this.keys = keys;
    }

    /** The SMART configuration document. */
    public Map<String, Object> smartConfiguration() {
        Map<String, Object> doc = common();
        doc.put("token_endpoint_auth_signing_alg_values_supported", ASSERTION_ALGORITHMS);
        doc.put("grant_types_supported", List.of("authorization_code", "client_credentials", "refresh_token"));
        doc.put("capabilities", CAPABILITIES);
        return doc;
    }

    /** OpenID Connect discovery, for apps that verify the id_token. */
    public Map<String, Object> openidConfiguration() {
        Map<String, Object> doc = common();
        doc.put("subject_types_supported", List.of("public"));
        doc.put("id_token_signing_alg_values_supported", List.of("RS256"));
        doc.put("claims_supported", List.of("iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "fhirUser"));
        return doc;
    }

    /** What both documents say. */
    private Map<String, Object> common() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("issuer", urls.issuer());
        doc.put("jwks_uri", urls.jwksUrl());
        doc.put("authorization_endpoint", urls.authorizeUrl());
        doc.put("token_endpoint", urls.tokenUrl());
        doc.put("token_endpoint_auth_methods_supported", List.of("private_key_jwt", "client_secret_basic", "none"));
        doc.put("scopes_supported", scopesSupported());
        doc.put("response_types_supported", List.of("code"));
        doc.put("code_challenge_methods_supported", List.of("S256"));
        return doc;
    }

    private static List<String> scopesSupported() {
        List<String> scopes = new ArrayList<>(List.of("openid", "fhirUser", "launch/patient", "offline_access",
                "patient/*.cruds", "user/*.cruds", "system/*.cruds", "patient/*.read", "user/*.read", "system/*.read",
                "patient/*.write", "user/*.write", "system/*.write", "patient/*.*", "user/*.*", "system/*.*"));
        for (CareGraphScope s : CareGraphScope.values()) scopes.add(s.scope);
        return scopes;
    }

    @GetMapping(value = "/.well-known/smart-configuration", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> smart() {
        return ResponseEntity.ok().cacheControl(CacheControl.noCache()).body(smartConfiguration());
    }

    @GetMapping(value = "/.well-known/openid-configuration", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> openid() {
        return ResponseEntity.ok().cacheControl(CacheControl.noCache()).body(openidConfiguration());
    }

    /** Our public keys; no-cache, so that a client sees a rotated key at once. */
    @GetMapping(value = "/.well-known/jwks.json", produces = "application/jwk-set+json")
    ResponseEntity<String> jwks() {
        return ResponseEntity.ok().cacheControl(CacheControl.noCache()).body(keys.publicKeys().toString());
    }

    /**
     * {@code /fhir/.well-known/smart-configuration}, mapped exactly (an exact servlet mapping wins over HAPI's
     * {@code /fhir/*}): the same document as at the root.
     */
    static final class FhirBaseServlet extends HttpServlet {
        private final SmartDiscovery discovery;

        FhirBaseServlet(SmartDiscovery discovery) {
            this.discovery = discovery;
        }

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            response.setCharacterEncoding("UTF-8");
            response.setHeader("Cache-Control", "no-cache");
            response.setHeader("Access-Control-Allow-Origin", "*");
            response.getOutputStream().write(discovery.json.writeValueAsBytes(discovery.smartConfiguration()));
        }
    }
}
