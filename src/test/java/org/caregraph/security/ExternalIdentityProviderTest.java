package org.caregraph.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Tokens of external identity providers, verified through their JWKS (served here by a small HTTP server, as Keycloak,
 * Entra ID and Okta publish theirs) and read with each provider's configured claim names (GraphTest configures three:
 * Keycloak's scope string and azp, Entra ID's scp string or roles list and a custom fhirUser claim, Okta's scp list,
 * cid, a custom patient claim and ES256): each works on /fhir confined by its scopes; a wrong audience, an unknown
 * issuer, a key the provider does not publish, an algorithm not configured for it, or an expired token is 401.
 */
class ExternalIdentityProviderTest extends GraphTest {
    private static final String IDP = "http://127.0.0.1:" + IDP_PORT;
    private static final String KEYCLOAK = IDP + "/realms/caregraph";
    private static final String ENTRA = IDP + "/tenant-1/v2.0";
    private static final String OKTA = IDP + "/oauth2/default";

    @Autowired private AccessContexts contexts;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    // one key per provider for the whole run: the server caches a provider's JWKS, as it should
    private static final RSAKey keycloakKey = rsa("kc-1");
    private static final RSAKey entraKey = rsa("entra-1");
    private static final ECKey oktaKey = ec("okta-1");
    private HttpServer idp;
    private String a;
    private String b;
    private String practitioner;

    @BeforeEach
    void start() throws Exception {
        idp = HttpServer.create(new InetSocketAddress("127.0.0.1", IDP_PORT), 0);
        serve("/realms/caregraph/protocol/openid-connect/certs", keycloakKey);
        serve("/tenant-1/discovery/v2.0/keys", entraKey);
        serve("/oauth2/default/v1/keys", oktaKey);
        idp.start();
        a = "ext-a-" + run;
        b = "ext-b-" + run;
        practitioner = "ext-dr-" + run;
        for (String r : List.of(
                "{\"resourceType\":\"Practitioner\",\"id\":\"" + practitioner + "\"}",
                "{\"resourceType\":\"Patient\",\"id\":\"" + a + "\"}",
                "{\"resourceType\":\"Patient\",\"id\":\"" + b + "\"}",
                "{\"resourceType\":\"Encounter\",\"id\":\"ext-e-" + run + "\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},"
                        + "\"subject\":{\"reference\":\"Patient/" + a + "\"},"
                        + "\"participant\":[{\"individual\":{\"reference\":\"Practitioner/" + practitioner + "\"}}]}")) {
            String type = r.substring(r.indexOf(':') + 2, r.indexOf('"', r.indexOf(':') + 2));
            String id = r.substring(r.indexOf("\"id\":\"") + 6, r.indexOf('"', r.indexOf("\"id\":\"") + 6));
            HttpResponse<String> put = http.send(authorized(URI.create("http://127.0.0.1:" + httpPort + "/fhir/" + type + "/" + id))
                    .header("Content-Type", "application/fhir+json").PUT(HttpRequest.BodyPublishers.ofString(r)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).as(put.body()).isIn(200, 201);
        }
    }

    @AfterEach
    void stop() {
        idp.stop(0);
    }

    private void serve(String path, JWK key) {
        byte[] body = new JWKSet(key).toPublicJWKSet().toString().getBytes(StandardCharsets.UTF_8);
        idp.createContext(path, x -> {
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
    }

    private int read(String token, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/fhir/" + path))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void aKeycloakTokenWithAScopeStringAndAPatientClaimSeesThatPatientOnly() throws Exception {
        String token = keycloak(c -> c.claim("scope", "openid patient/*.rs").claim("patient", a));
        assertThat(read(token, "Patient/" + a)).isEqualTo(200);
        assertThat(read(token, "Patient/" + b)).isEqualTo(404);
        assertThat(read(token, "Observation?patient=" + a)).isEqualTo(200);
        assertThat(read(token, "Observation?_count=1")).as("a search, confined to the patient").isEqualTo(200);
    }

    @Test
    void entraIdTokensCarryScopesInScpOrRolesAndTheUserInACustomClaim() throws Exception {
        String delegated = entra(c -> c.claim("scp", "user/Patient.rs").claim("extension_fhirUser", "Practitioner/" + practitioner)
                .claim("azp", "entra-app"));
        assertThat(read(delegated, "Patient/" + a)).as("a patient the practitioner saw").isEqualTo(200);
        assertThat(read(delegated, "Patient/" + b)).isEqualTo(404);
        String appOnly = entra(c -> c.claim("roles", List.of("system/Patient.rs")).claim("azp", "entra-daemon"));
        assertThat(read(appOnly, "Patient/" + b)).isEqualTo(200);
        assertThat(read(appOnly, "Observation?_count=1")).isEqualTo(403);
    }

    @Test
    void anOktaTokenWithAScpListNoTypAndEs256IsReadWithItsClaimNames() throws Exception {
        String token = okta(c -> c.claim("scp", List.of("patient/Patient.rs")).claim("patient_id", b).claim("cid", "okta-svc"),
                new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("okta-1"));
        assertThat(read(token, "Patient/" + b)).isEqualTo(200);
        assertThat(read(token, "Patient/" + a)).isEqualTo(404);
    }

    @Test
    void theClientIsTakenFromTheConfiguredClaimOrAzp() {
        AccessContext okta = context(OKTA, Map.of("cid", "okta-svc", "scp", List.of("system/Patient.rs")));
        assertThat(okta.clientId()).isEqualTo("okta-svc");
        assertThat(okta.scopes()).containsExactly("system/Patient.rs");
        AccessContext keycloak = context(KEYCLOAK, Map.of("azp", "kc-app", "scope", "patient/*.rs launch/patient"));
        assertThat(keycloak.clientId()).isEqualTo("kc-app");
        assertThat(keycloak.scopes()).containsExactly("patient/*.rs", "launch/patient");
        AccessContext entra = context(ENTRA, Map.of("azp", "e", "scp", "user/Patient.rs", "roles", List.of("system/Observation.rs")));
        assertThat(entra.scopes()).containsExactly("user/Patient.rs", "system/Observation.rs");
    }

    private AccessContext context(String issuer, Map<String, Object> claims) {
        Jwt.Builder jwt = Jwt.withTokenValue("t").header("alg", "RS256").claim("iss", issuer).subject("s")
                .expiresAt(Instant.now().plusSeconds(60)).jti(UUID.randomUUID().toString());
        claims.forEach(jwt::claim);
        return ((AccessAuthentication) contexts.convert(jwt.build())).context();
    }

    @Test
    void aWrongAudienceAnUnknownIssuerAnUnpublishedKeyAnAlgorithmNotConfiguredOrAnExpiredTokenIs401() throws Exception {
        String scope = "system/Patient.rs";
        assertThat(read(keycloak(c -> c.claim("scope", scope)), "Patient/" + a)).as("the good one").isEqualTo(200);
        assertThat(read(keycloak(c -> c.claim("scope", scope).audience("another-service")), "Patient/" + a)).isEqualTo(401);
        assertThat(read(keycloak(c -> c.claim("scope", scope).issuer(IDP + "/realms/other")), "Patient/" + a)).isEqualTo(401);
        assertThat(read(sign(rsa("kc-1"), new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("kc-1").type(JOSEObjectType.JWT),
                claims(KEYCLOAK, "caregraph").claim("scope", scope)), "Patient/" + a)).as("the kid, another key").isEqualTo(401);
        assertThat(read(sign(rsa("okta-rs"), new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("okta-1"),
                claims(OKTA, "api://default").claim("scp", List.of(scope))), "Patient/" + a)).as("RS256 at an ES256 issuer").isEqualTo(401);
        assertThat(read(keycloak(c -> c.claim("scope", scope).expirationTime(Date.from(Instant.now().minusSeconds(600)))),
                "Patient/" + a)).isEqualTo(401);
    }

    private String keycloak(Consumer<JWTClaimsSet.Builder> edit) throws Exception {
        JWTClaimsSet.Builder c = claims(KEYCLOAK, "caregraph").audience(List.of("caregraph", "account")).claim("azp", "kc-app");
        edit.accept(c);
        return sign(keycloakKey, new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("kc-1").type(JOSEObjectType.JWT), c);
    }

    private String entra(Consumer<JWTClaimsSet.Builder> edit) throws Exception {
        JWTClaimsSet.Builder c = claims(ENTRA, "api://caregraph");
        edit.accept(c);
        return sign(entraKey, new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("entra-1").type(JOSEObjectType.JWT), c);
    }

    private String okta(Consumer<JWTClaimsSet.Builder> edit, JWSHeader.Builder header) throws Exception {
        JWTClaimsSet.Builder c = claims(OKTA, "api://default");
        edit.accept(c);
        return sign(oktaKey, header, c);
    }

    private static JWTClaimsSet.Builder claims(String issuer, String audience) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(issuer).audience(audience).subject("someone").issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300))).jwtID(UUID.randomUUID().toString());
    }

    private static String sign(JWK key, JWSHeader.Builder header, JWTClaimsSet.Builder claims) throws Exception {
        JWSSigner signer = key instanceof ECKey ec ? new ECDSASigner(ec) : new RSASSASigner((RSAKey) key);
        SignedJWT jwt = new SignedJWT(header.build(), claims.build());
        jwt.sign(signer);
        return jwt.serialize();
    }

    private static RSAKey rsa(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ECKey ec(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
