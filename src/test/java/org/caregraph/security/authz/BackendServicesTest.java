package org.caregraph.security.authz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * SMART Backend Services over real HTTP: client_credentials with private_key_jwt assertions signed RS384 and ES384 by
 * registered clients (inline JWKS, and a jwks_uri served by a local HTTP server), the tokens working on /fhir within
 * their scopes; and every refusal the issue names, each with its RFC 6749 error, JSON body and Cache-Control: no-store.
 */
class BackendServicesTest extends GraphTest {
    @Autowired private Clients clients;

    private AuthzHttp http;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final RSAKey rsa = AuthzHttp.rsa("rs-1");
    private final ECKey ec = AuthzHttp.ec("es-1");
    private final ECKey remoteKey = AuthzHttp.ec("remote-1");
    private String rsClient;
    private String esClient;
    private String uriClient;
    private HttpServer jwksServer;
    private String jwksUri;

    @BeforeEach
    void register() throws Exception {
        http = new AuthzHttp(httpPort);
        rsClient = "backend-rs-" + run;
        esClient = "backend-es-" + run;
        uriClient = "backend-uri-" + run;
        clients.add(new RegisteredClient(rsClient, null, AuthzHttp.publicJwks(rsa), null, List.of(),
                List.of("system/Observation.rs", "system/Patient.r", "system/caregraph.cypher"), null, false), true);
        clients.add(new RegisteredClient(esClient, null, AuthzHttp.publicJwks(ec), null, List.of(),
                List.of("system/*.read"), null, false), true);
        jwksServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] body = AuthzHttp.publicJwks(remoteKey).getBytes(StandardCharsets.UTF_8);
        jwksServer.createContext("/jwks.json", x -> {
            x.getResponseHeaders().add("Content-Type", "application/json");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        jwksServer.start();
        jwksUri = "http://127.0.0.1:" + jwksServer.getAddress().getPort() + "/jwks.json";
        clients.add(new RegisteredClient(uriClient, null, null, jwksUri, List.of(), List.of("system/Observation.rs"), null, false), true);
    }

    @AfterEach
    void stop() {
        jwksServer.stop(0);
    }

    @Test
    void anRs384AssertionGetsAShortLivedTokenForTheNegotiatedScopesThatWorksOnFhir() throws Exception {
        HttpResponse<String> r = http.backendToken(AuthzHttp.assertion(rsa, rsClient, http.tokenUrl()),
                "system/Observation.rs system/Patient.rs system/Condition.rs");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Cache-Control").orElseThrow()).contains("no-store");
        JsonNode body = AuthzHttp.json(r);
        assertThat(body.get("token_type").asText()).isEqualTo("Bearer");
        // asked Patient.rs of an allowance Patient.r: granted r; Condition not at all
        assertThat(body.get("scope").asText()).isEqualTo("system/Observation.rs system/Patient.r");
        assertThat(body.get("expires_in").asLong()).isBetween(1L, 300L);
        assertThat(body.has("refresh_token")).as("no refresh token for a backend client").isFalse();
        SignedJWT token = SignedJWT.parse(body.get("access_token").asText());
        JWTClaimsSet claims = token.getJWTClaimsSet();
        assertThat(Duration.between(claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant())).isLessThanOrEqualTo(Duration.ofMinutes(5));
        assertThat(claims.getStringClaim("client_id")).isEqualTo(rsClient);
        assertThat(claims.getIssuer()).isEqualTo(tokens.issuer());

        String access = body.get("access_token").asText();
        assertThat(http.fhir(access, "Observation?_count=1")).isEqualTo(200);
        assertThat(http.fhir(access, "Condition?_count=1")).as("a type not granted").isEqualTo(403);
        assertThat(http.fhir(access, "Patient?_count=1")).as("Patient granted read, not search").isEqualTo(403);
    }

    @Test
    void anEs384AssertionIsAnsweredInTheFormTheScopesWereAskedIn() {
        HttpResponse<String> v1 = http.backendToken(AuthzHttp.assertion(ec, esClient, http.tokenUrl()), "system/Observation.read");
        assertThat(v1.statusCode()).as(v1.body()).isEqualTo(200);
        assertThat(AuthzHttp.json(v1).get("scope").asText()).isEqualTo("system/Observation.read");
        HttpResponse<String> v2 = http.backendToken(AuthzHttp.assertion(ec, esClient, http.tokenUrl()), "system/*.cruds");
        assertThat(AuthzHttp.json(v2).get("scope").asText()).as("v2 asked, v2 answered; cruds ∩ read = rs").isEqualTo("system/*.rs");
        assertThat(http.fhir(AuthzHttp.json(v2).get("access_token").asText(), "Encounter?_count=1")).isEqualTo(200);
    }

    @Test
    void aClientWithAJwksUriIsVerifiedWithTheKeysPublishedThereAndJkuMustBeThatUrl() {
        HttpResponse<String> ok = http.backendToken(AuthzHttp.assertion(remoteKey, uriClient, http.tokenUrl()), "system/Observation.rs");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        HttpResponse<String> withJku = http.backendToken(AuthzHttp.assertion(remoteKey, uriClient, http.tokenUrl(), c -> { },
                h -> h.jwkURL(URI.create(jwksUri))), "system/Observation.rs");
        assertThat(withJku.statusCode()).as(withJku.body()).isEqualTo(200);
        refused(http.backendToken(AuthzHttp.assertion(remoteKey, uriClient, http.tokenUrl(), c -> { },
                h -> h.jwkURL(URI.create("https://attacker.example/jwks.json"))), "system/Observation.rs"), 401, "invalid_client", "jku");
        refused(http.backendToken(AuthzHttp.assertion(rsa, rsClient, http.tokenUrl(), c -> { },
                h -> h.jwkURL(URI.create(jwksUri))), "system/Observation.rs"), 401, "invalid_client", "jku");
    }

    @Test
    void everyMalformedRequestIsRefusedWithItsRfc6749Error() {
        String good = AuthzHttp.assertion(rsa, rsClient, http.tokenUrl());
        refused(http.token("scope", "system/Observation.rs", "client_assertion_type", ClientAssertions.TYPE, "client_assertion", good),
                400, "invalid_request", "grant_type");
        refused(http.token("grant_type", "password", "username", "u", "password", "p"), 400, "unsupported_grant_type", "grant types");
        refused(http.token("grant_type", "client_credentials", "scope", "system/Observation.rs", "scope", "system/Patient.r",
                "client_assertion_type", ClientAssertions.TYPE, "client_assertion", good), 400, "invalid_request", "more than once");
        refused(http.token("grant_type", "client_credentials", "client_assertion_type", ClientAssertions.TYPE,
                "client_assertion", AuthzHttp.assertion(rsa, rsClient, http.tokenUrl())), 400, "invalid_request", "scope");
        HttpResponse<String> json = AuthzHttp.send(http.client, java.net.http.HttpRequest.newBuilder(http.uri("/auth/token"))
                .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build());
        refused(json, 400, "invalid_request", "form");
        refused(http.token("grant_type", "client_credentials", "scope", "system/Observation.rs"), 401, "invalid_client", "assertion");
        refused(http.token("grant_type", "client_credentials", "scope", "system/Observation.rs",
                "client_assertion_type", "urn:example:other", "client_assertion", good), 401, "invalid_client", "client_assertion_type");
    }

    @Test
    void everyBadAssertionIsInvalidClient() throws Exception {
        String url = http.tokenUrl();
        String scope = "system/Observation.rs";
        refused(http.backendToken("not-a-jwt", scope), 401, "invalid_client", "not a JWT");
        PlainJWT unsigned = new PlainJWT(new PlainHeader(), new JWTClaimsSet.Builder().issuer(rsClient).subject(rsClient)
                .audience(url).expirationTime(Date.from(Instant.now().plusSeconds(200))).jwtID(UUID.randomUUID().toString()).build());
        refused(http.backendToken(unsigned.serialize(), scope), 401, "invalid_client", "alg none");
        SignedJWT hmac = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rs-1").build(),
                new JWTClaimsSet.Builder().issuer(rsClient).subject(rsClient).audience(url)
                        .expirationTime(Date.from(Instant.now().plusSeconds(200))).jwtID(UUID.randomUUID().toString()).build());
        hmac.sign(new MACSigner("a shared secret of at least thirty-two bytes!!"));
        refused(http.backendToken(hmac.serialize(), scope), 401, "invalid_client", "HS256");
        SignedJWT rs256 = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rs-1").type(JOSEObjectType.JWT).build(),
                new JWTClaimsSet.Builder().issuer(rsClient).subject(rsClient).audience(url)
                        .expirationTime(Date.from(Instant.now().plusSeconds(200))).jwtID(UUID.randomUUID().toString()).build());
        rs256.sign(new RSASSASigner(rsa));
        refused(http.backendToken(rs256.serialize(), scope), 401, "invalid_client", "RS256");
        refused(http.backendToken(AuthzHttp.assertion(rsa, rsClient, url, c -> { }, h -> h.keyID(null)), scope), 401, "invalid_client", "kid");
        refused(http.backendToken(AuthzHttp.assertion(rsa, rsClient, url, c -> { }, h -> h.keyID("no-such-kid")), scope),
                401, "invalid_client", "no-such-kid");
        RSAKey impostor = AuthzHttp.rsa("rs-1"); // the registered kid, another key
        refused(http.backendToken(AuthzHttp.assertion(impostor, rsClient, url), scope), 401, "invalid_client", "verifies its signature");
        refused(http.backendToken(AuthzHttp.assertion(rsa, rsClient, url, c -> c.subject("someone-else"), h -> { }), scope),
                401, "invalid_client", "iss and sub");
        refused(http.backendToken(AuthzHttp.assertion(rsa, "no-such-client-" + run, url), scope), 401, "invalid_client", "unknown client");
        refused(http.backendToken(AuthzHttp.assertion(rsa, rsClient, tokens.issuer() + "/fhir"), scope), 401, "invalid_client", "aud");
        refused(http.backendToken(AuthzHttp.assertion(rsa, rsClient, url, c -> c.expirationTime(null), h -> { }), scope),
                401, "invalid_client", "exp");
        refused(http.backendToken(AuthzHttp.assertion(rsa, rsClient, url,
                c -> c.expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(10)))), h -> { }), scope), 401, "invalid_client", "five minutes");
        refused(http.backendToken(AuthzHttp.assertion(rsa, rsClient, url,
                c -> c.expirationTime(Date.from(Instant.now().minus(Duration.ofMinutes(3)))), h -> { }), scope), 401, "invalid_client", "Expired");
        refused(http.backendToken(AuthzHttp.assertion(rsa, rsClient, url, c -> c.jwtID(null), h -> { }), scope), 401, "invalid_client", "jti");
    }

    @Test
    void anAssertionIsGoodForOneRequestButAForgedOneDoesNotBurnItsJti() {
        String jti = UUID.randomUUID().toString();
        RSAKey impostor = AuthzHttp.rsa("rs-1");
        refused(http.backendToken(AuthzHttp.assertion(impostor, rsClient, http.tokenUrl(), c -> c.jwtID(jti), h -> { }),
                "system/Observation.rs"), 401, "invalid_client", "signature");
        String assertion = AuthzHttp.assertion(rsa, rsClient, http.tokenUrl(), c -> c.jwtID(jti), h -> { });
        assertThat(http.backendToken(assertion, "system/Observation.rs").statusCode()).isEqualTo(200);
        refused(http.backendToken(assertion, "system/Observation.rs"), 401, "invalid_client", "jti was used before");
        refused(http.backendToken(AuthzHttp.assertion(rsa, rsClient, http.tokenUrl(), c -> c.jwtID(jti), h -> { }),
                "system/Observation.rs"), 401, "invalid_client", "jti was used before");
    }

    @Test
    void scopesTheServerDoesNotKnowOrTheClientMayNotHaveAreInvalidScope() {
        refused(http.backendToken(AuthzHttp.assertion(rsa, rsClient, http.tokenUrl()), "system/Foo.rs"), 400, "invalid_scope", "unknown resource type");
        refused(http.backendToken(AuthzHttp.assertion(rsa, rsClient, http.tokenUrl()), "system/Observation.rx"), 400, "invalid_scope", "unknown action");
        refused(http.backendToken(AuthzHttp.assertion(rsa, rsClient, http.tokenUrl()), "system/Condition.rs"), 400, "invalid_scope", "none of");
        refused(http.backendToken(AuthzHttp.assertion(rsa, rsClient, http.tokenUrl()), "system/Observation.rs?code=1234"),
                400, "invalid_scope", "category");
        // user/ and patient/ scopes are not for client_credentials, even when the client's allowance had them
        refused(http.backendToken(AuthzHttp.assertion(rsa, rsClient, http.tokenUrl()), "user/Observation.rs patient/*.rs openid"),
                400, "invalid_scope", "none of");
        HttpResponse<String> capability = http.backendToken(AuthzHttp.assertion(rsa, rsClient, http.tokenUrl()),
                "system/caregraph.cypher system/caregraph.import");
        assertThat(AuthzHttp.json(capability).get("scope").asText()).isEqualTo("system/caregraph.cypher");
    }

    private static void refused(HttpResponse<String> r, int status, String error, String descriptionContains) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Cache-Control").orElse("")).as("Cache-Control").contains("no-store");
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonNode body = AuthzHttp.json(r);
        assertThat(body.get("error").asText()).as(r.body()).isEqualTo(error);
        assertThat(body.get("error_description").asText()).as(r.body()).containsIgnoringCase(descriptionContains);
        assertThat(body.has("access_token")).isFalse();
    }
}
