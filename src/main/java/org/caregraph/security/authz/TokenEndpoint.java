package org.caregraph.security.authz;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.caregraph.security.SecurityProperties;
import org.caregraph.security.SmartScope.Context;
import org.caregraph.security.TokenIssuer;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.CrossOrigin;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The token endpoint, {@code POST /auth/token} (form-encoded, RFC 6749 §3.2):
 * <ul>
 * <li>{@code client_credentials} (SMART Backend Services): the client authenticates with a private_key_jwt assertion
 * ({@link ClientAssertions}); it gets an access token of at most five minutes for the system/ scopes negotiated, and
 * no refresh token;</li>
 * <li>{@code authorization_code}: the code {@link AuthorizeEndpoint} sent, its PKCE verifier (S256) and redirect URI;
 * a public client names itself with client_id, a confidential one authenticates (client_secret_basic or
 * private_key_jwt); the answer is SMART's: access token, scope, patient, an id_token when {@code openid fhirUser}
 * was granted, a refresh token when {@code offline_access} was;</li>
 * <li>{@code refresh_token}: a rotating refresh token ({@link Grants}), optionally for fewer scopes.</li>
 * </ul>
 * Every answer is JSON with {@code Cache-Control: no-store}; refusals are RFC 6749 §5.2 errors (invalid_client is 401).
 */
@RestController
@CrossOrigin(origins = "*") // browser apps on other origins exchange their codes here; no cookie is read
public class TokenEndpoint {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TokenEndpoint.class);
    private final ClientAssertions assertions;
    private final Clients clients;
    private final AuthorizationCodes codes;
    private final Grants grants;
    private final TokenIssuer issuer;
    private final SecurityProperties.Tokens lifetimes;

    TokenEndpoint(ClientAssertions assertions, Clients clients, AuthorizationCodes codes, Grants grants, TokenIssuer issuer,
                  SecurityProperties props) {
        this.assertions = assertions;
        this.clients = clients;
        this.codes = codes;
        this.grants = grants;
        this.issuer = issuer;
        this.lifetimes = props.tokens();
    }

    @PostMapping("/auth/token")
    ResponseEntity<Map<String, Object>> token(HttpServletRequest request) {
        MediaType type = request.getContentType() == null ? null : MediaType.parseMediaType(request.getContentType());
        if (type == null || !MediaType.APPLICATION_FORM_URLENCODED.includes(type)) {
            throw OAuthError.invalidRequest("the token request is a form (application/x-www-form-urlencoded)");
        }
        Map<String, String> p = parameters(request);
        String grant = p.get("grant_type");
        if (grant == null) throw OAuthError.invalidRequest("grant_type is missing");
        Map<String, Object> body = switch (grant) {
            case "client_credentials" -> clientCredentials(p);
            case "authorization_code" -> authorizationCode(p, request);
            case "refresh_token" -> refresh(p, request);
            default -> throw new OAuthError("unsupported_grant_type",
                    "grant types: client_credentials, authorization_code, refresh_token");
        };
        return ResponseEntity.ok().cacheControl(CacheControl.noStore()).header(HttpHeaders.PRAGMA, "no-cache")
                .contentType(MediaType.APPLICATION_JSON).body(body);
    }

    /** Backend Services: system scopes for a client that proves itself with its key; no user, no refresh token. */
    private Map<String, Object> clientCredentials(Map<String, String> p) {
        RegisteredClient client = assertedClient(p);
        if (client == null) throw OAuthError.invalidClient("client_credentials needs a private_key_jwt client assertion");
        return backendToken(client, requiredScope(p));
    }

    /**
     * What {@code POST /auth/token} answers a backend client whose {@code assertion} asks {@code scope}
     * (client_credentials); {@code serve --demo} gets the demo client's token through it, in process.
     *
     * @throws OAuthError as the endpoint would answer
     */
    public Map<String, Object> backendToken(String assertion, String scope) {
        return backendToken(assertions.verify(assertion), scope);
    }

    private Map<String, Object> backendToken(RegisteredClient client, String scope) {
        List<String> scopes = negotiate(scope, ScopeNegotiation.ofContext(client.scopes(), Context.SYSTEM));
        TokenIssuer.Issued token = issuer.issue(client.id(), client.id(), null, null, scopes, lifetimes.backend());
        return response(token, scopes);
    }

    private Map<String, Object> authorizationCode(Map<String, String> p, HttpServletRequest request) {
        String code = required(p, "code");
        String redirect = required(p, "redirect_uri");
        String verifier = required(p, "code_verifier");
        RegisteredClient client = authenticate(p, request);
        AuthorizationCodes.Redeemed redeemed = codes.redeem(code);
        if (redeemed == null) throw OAuthError.invalidGrant("the authorization code is not valid (unknown or expired)");
        Authorization a = redeemed.authorization();
        if (redeemed.replayed()) {
            if (redeemed.grantId() != null) grants.revoke(redeemed.grantId());
            throw OAuthError.invalidGrant("the authorization code was used before; what it granted is revoked");
        }
        if (!a.clientId().equals(client.id())) throw OAuthError.invalidGrant("the authorization code was issued to another client");
        if (!a.redirectUri().equals(redirect)) throw OAuthError.invalidGrant("redirect_uri is not the authorize request's");
        if (!verifier.matches("[A-Za-z0-9._~-]{43,128}")) throw OAuthError.invalidRequest("code_verifier is 43 to 128 unreserved characters");
        if (!MessageDigest.isEqual(s256(verifier).getBytes(StandardCharsets.US_ASCII), a.codeChallenge().getBytes(StandardCharsets.US_ASCII))) {
            throw OAuthError.invalidGrant("code_verifier does not match the code_challenge");
        }
        Map<String, Object> body = userTokens(a);
        if (a.has("offline_access")) {
            Grants.Issued refresh = grants.create(a, lifetimes.refresh());
            codes.madeGrant(code, refresh.grantId());
            body.put("refresh_token", refresh.refreshToken());
        }
        if (a.has("openid") && a.has("fhirUser")) {
            body.put("id_token", issuer.idToken(a.clientId(), a.user(), a.fhirUser(), a.nonce(), lifetimes.user()));
        }
        return body;
    }

    private Map<String, Object> refresh(Map<String, String> p, HttpServletRequest request) {
        String token = required(p, "refresh_token");
        RegisteredClient client = authenticate(p, request);
        Map.Entry<Authorization, String> rotated = grants.rotate(token, client.id());
        Authorization a = rotated.getKey();
        if (p.containsKey("scope")) { // fewer scopes than granted, never more (RFC 6749 §6)
            a = new Authorization(a.clientId(), null, null, null, a.user(), a.fhirUser(), a.patient(),
                    negotiate(p.get("scope"), a.scopes()));
        }
        Map<String, Object> body = userTokens(a);
        body.put("refresh_token", rotated.getValue());
        return body;
    }

    private Map<String, Object> userTokens(Authorization a) {
        TokenIssuer.Issued token = issuer.issue(a.clientId(), a.user(), a.fhirUser(), a.patient(), a.scopes(), lifetimes.user());
        Map<String, Object> body = response(token, a.scopes());
        if (a.patient() != null) body.put("patient", a.patient());
        // not a SMART response parameter (the id_token carries it), but RFC 6749 allows more: apps without an OIDC
        // library (the web UI) read who signed in from here
        if (a.has("fhirUser") && a.fhirUser() != null) body.put("fhirUser", a.fhirUser());
        return body;
    }

    private static Map<String, Object> response(TokenIssuer.Issued token, List<String> scopes) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", token.token());
        body.put("token_type", "Bearer");
        body.put("expires_in", token.lifetime().toSeconds());
        body.put("scope", String.join(" ", scopes));
        return body;
    }

    /**
     * The client of a code or refresh request: one that authenticates (client_secret_basic, or a private_key_jwt
     * assertion), or a public client naming itself with client_id. A confidential client must authenticate.
     */
    private RegisteredClient authenticate(Map<String, String> p, HttpServletRequest request) {
        String basic = request.getHeader(HttpHeaders.AUTHORIZATION);
        RegisteredClient asserted = assertedClient(p);
        if (basic != null && asserted != null) throw OAuthError.invalidRequest("use one client authentication method");
        RegisteredClient client;
        if (asserted != null) {
            client = asserted;
        } else if (basic != null) {
            client = basicClient(basic);
        } else {
            String id = p.get("client_id");
            if (id == null) throw OAuthError.invalidClient("client_id is missing");
            client = clients.find(id).orElseThrow(() -> OAuthError.invalidClient("unknown client"));
            if (!client.isPublic()) throw OAuthError.invalidClient("the client must authenticate (" + client.authMethod() + ")");
        }
        if (p.containsKey("client_id") && !p.get("client_id").equals(client.id())) {
            throw OAuthError.invalidClient("client_id is not the authenticated client");
        }
        return client;
    }

    /** The client a private_key_jwt assertion authenticates; null when the request carries none. */
    private RegisteredClient assertedClient(Map<String, String> p) {
        String type = p.get("client_assertion_type");
        String assertion = p.get("client_assertion");
        if (type == null && assertion == null) return null;
        if (!ClientAssertions.TYPE.equals(type)) throw OAuthError.invalidClient("client_assertion_type must be " + ClientAssertions.TYPE);
        if (assertion == null) throw OAuthError.invalidClient("client_assertion is missing");
        return assertions.verify(assertion);
    }

    /** client_secret_basic: {@code Basic base64(urlencode(id):urlencode(secret))} (RFC 6749 §2.3.1). */
    private RegisteredClient basicClient(String header) {
        if (!header.regionMatches(true, 0, "Basic ", 0, 6)) throw OAuthError.invalidClient("only Basic client authentication is accepted");
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw OAuthError.invalidClient("the Basic credentials are not base64");
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) throw OAuthError.invalidClient("the Basic credentials are not client_id:secret");
        String id = URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
        String secret = URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
        RegisteredClient client = clients.find(id).orElse(null);
        // an unknown client costs a hash check too, so the answer's timing does not tell which ids exist
        String hash = client != null && client.secretHash() != null ? client.secretHash() : UNKNOWN_SECRET_HASH;
        if (!Users.PASSWORDS.matches(secret, hash) || client == null || client.secretHash() == null) {
            throw OAuthError.invalidClient("client authentication failed");
        }
        return client;
    }

    private static final String UNKNOWN_SECRET_HASH = Users.PASSWORDS.encode("no client has this secret");

    private static List<String> negotiate(String scope, List<String> allowance) {
        try {
            return ScopeNegotiation.negotiate(Arrays.stream(scope.split(" ")).filter(s -> !s.isEmpty()).toList(), allowance);
        } catch (ScopeNegotiation.InvalidScopeException e) {
            throw OAuthError.invalidScope(e.getMessage());
        }
    }

    private static String requiredScope(Map<String, String> p) {
        String scope = p.get("scope");
        if (scope == null || scope.isBlank()) throw OAuthError.invalidRequest("scope is missing");
        return scope;
    }

    private static String required(Map<String, String> p, String name) {
        String v = p.get(name);
        if (v == null || v.isEmpty()) throw OAuthError.invalidRequest(name + " is missing");
        return v;
    }

    /** The form's parameters; each at most once (RFC 6749 §3.2). */
    private static Map<String, String> parameters(HttpServletRequest request) {
        Map<String, String> out = new HashMap<>();
        for (Map.Entry<String, String[]> e : request.getParameterMap().entrySet()) {
            if (e.getValue().length != 1) throw OAuthError.invalidRequest(e.getKey() + " is given more than once");
            out.put(e.getKey(), e.getValue()[0]);
        }
        return out;
    }

    /** PKCE's S256 (RFC 7636 §4.2): base64url(SHA-256(verifier)). */
    static String s256(String verifier) {
        return Grants.hash(verifier);
    }

    /** A failure of the server's own (the graph unreachable, a defect): RFC 6749's server_error, never cached. */
    @ExceptionHandler(RuntimeException.class)
    ResponseEntity<Map<String, String>> failed(RuntimeException e) {
        log.error("token request failed", e);
        return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).cacheControl(CacheControl.noStore())
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("error", "server_error", "error_description", "the token request could not be served"));
    }

    @ExceptionHandler(OAuthError.class)
    ResponseEntity<Map<String, String>> refused(OAuthError e, HttpServletRequest request) {
        HttpStatus status = e.error().equals("invalid_client") ? HttpStatus.UNAUTHORIZED : HttpStatus.BAD_REQUEST;
        ResponseEntity.BodyBuilder b = ResponseEntity.status(status).cacheControl(CacheControl.noStore())
                .header(HttpHeaders.PRAGMA, "no-cache").contentType(MediaType.APPLICATION_JSON);
        // RFC 6749 §5.2: a client that tried Basic gets a 401 naming it (no challenge otherwise: a browser would prompt)
        if (status == HttpStatus.UNAUTHORIZED && request.getHeader(HttpHeaders.AUTHORIZATION) != null) b.header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"caregraph\"");
        return b.body(Map.of("error", e.error(), "error_description", e.getMessage()));
    }
}
