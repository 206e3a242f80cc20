package org.caregraph.security.authz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.JWKSet;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.Test;

/**
 * Discovery without a token, over real HTTP: the SMART configuration at the root and under the FHIR base (where HAPI
 * owns /fhir/*), the OpenID configuration, the JWKS, and the CapabilityStatement's rest.security; every URL in them is
 * the server's own (the issuer our tokens carry), and the endpoints they name answer.
 */
class SmartDiscoveryTest extends GraphTest {

    @Test
    void theSmartConfigurationIsServedAtTheRootAndUnderTheFhirBase() {
        AuthzHttp http = new AuthzHttp(httpPort);
        HttpResponse<String> root = http.get("/.well-known/smart-configuration");
        HttpResponse<String> fhir = http.get("/fhir/.well-known/smart-configuration");
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(fhir.statusCode()).isEqualTo(200);
        assertThat(fhir.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
        JsonNode doc = AuthzHttp.json(root);
        assertThat(AuthzHttp.json(fhir)).isEqualTo(doc);

        String base = "http://127.0.0.1:" + httpPort;
        assertThat(doc.get("issuer").asText()).isEqualTo(base).isEqualTo(tokens.issuer());
        assertThat(doc.get("token_endpoint").asText()).isEqualTo(base + "/auth/token");
        assertThat(doc.get("authorization_endpoint").asText()).isEqualTo(base + "/auth/authorize");
        assertThat(doc.get("jwks_uri").asText()).isEqualTo(base + "/.well-known/jwks.json");
        assertThat(texts(doc.get("grant_types_supported"))).containsExactlyInAnyOrder("authorization_code", "client_credentials", "refresh_token");
        assertThat(texts(doc.get("token_endpoint_auth_methods_supported"))).contains("private_key_jwt", "client_secret_basic");
        assertThat(texts(doc.get("token_endpoint_auth_signing_alg_values_supported"))).containsExactlyInAnyOrder("RS384", "ES384");
        assertThat(texts(doc.get("code_challenge_methods_supported"))).containsExactly("S256");
        assertThat(texts(doc.get("response_types_supported"))).containsExactly("code");
        assertThat(texts(doc.get("scopes_supported"))).contains("openid", "fhirUser", "launch/patient", "offline_access",
                "patient/*.cruds", "system/*.read", "system/caregraph.cypher", "user/caregraph.analytics");
        assertThat(texts(doc.get("capabilities"))).contains("launch-standalone", "client-public", "client-confidential-symmetric",
                "client-confidential-asymmetric", "context-standalone-patient", "permission-offline", "permission-patient",
                "permission-user", "permission-v1", "permission-v2", "sso-openid-connect");
        // browser apps on other origins read it
        assertThat(http.get("/.well-known/smart-configuration", "Origin", "https://app.example").headers()
                .firstValue("Access-Control-Allow-Origin")).contains("*");
    }

    @Test
    void openIdConfigurationAndTheKeysOurTokensAreSignedWith() throws Exception {
        AuthzHttp http = new AuthzHttp(httpPort);
        JsonNode oidc = AuthzHttp.json(http.get("/.well-known/openid-configuration"));
        assertThat(oidc.get("issuer").asText()).isEqualTo(tokens.issuer());
        assertThat(texts(oidc.get("id_token_signing_alg_values_supported"))).containsExactly("RS256");
        assertThat(texts(oidc.get("subject_types_supported"))).containsExactly("public");

        HttpResponse<String> jwks = http.get("/.well-known/jwks.json");
        assertThat(jwks.statusCode()).isEqualTo(200);
        JWKSet keys = JWKSet.parse(jwks.body());
        assertThat(keys.getKeys()).isNotEmpty().allSatisfy(k -> assertThat(k.isPrivate()).as("only public halves").isFalse());
        String kid = com.nimbusds.jwt.SignedJWT.parse(systemToken()).getHeader().getKeyID();
        assertThat(keys.getKeyByKeyId(kid)).as("the key of a token the server issued").isNotNull();
    }

    @Test
    void theCapabilityStatementNamesSmartOnFhirAndItsOAuthUris() {
        AuthzHttp http = new AuthzHttp(httpPort);
        JsonNode cs = AuthzHttp.json(http.get("/fhir/metadata", "Accept", "application/fhir+json"));
        JsonNode security = cs.at("/rest/0/security");
        assertThat(security.at("/service/0/coding/0/system").asText()).isEqualTo(SmartCapabilities.SERVICE_SYSTEM);
        assertThat(security.at("/service/0/coding/0/code").asText()).isEqualTo("SMART-on-FHIR");
        JsonNode oauth = security.at("/extension/0");
        assertThat(oauth.get("url").asText()).isEqualTo(SmartCapabilities.OAUTH_URIS);
        List<String> uris = new ArrayList<>();
        oauth.get("extension").forEach(e -> uris.add(e.get("url").asText() + "=" + e.get("valueUri").asText()));
        String base = tokens.issuer();
        assertThat(uris).containsExactlyInAnyOrder("authorize=" + base + "/auth/authorize", "token=" + base + "/auth/token");
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
