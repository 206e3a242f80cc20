package org.caregraph.security.authz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** Real HTTP against the running server for the authorization server's tests: forms, JSON, keys and client assertions. */
final class AuthzHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    final String root;
    final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    AuthzHttp(int port) {
        this.root = "http://127.0.0.1:" + port;
    }

    String tokenUrl() {
        return root + "/auth/token";
    }

    HttpResponse<String> get(String target, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(target)).GET();
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return send(client, b.build());
    }

    /** POST {@code form} (name, value pairs; a name may repeat) to the token endpoint. */
    HttpResponse<String> token(String... form) {
        return postForm(client, "/auth/token", form);
    }

    HttpResponse<String> postForm(HttpClient with, String target, String... form) {
        return postForm(with, target, List.of(), form);
    }

    HttpResponse<String> postForm(HttpClient with, String target, List<String> headers, String... form) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(target)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(form)));
        for (int i = 0; i + 1 < headers.size(); i += 2) b.header(headers.get(i), headers.get(i + 1));
        return send(with, b.build());
    }

    static String form(String... pairs) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (out.length() > 0) out.append('&');
            out.append(enc(pairs[i])).append('=').append(enc(pairs[i + 1]));
        }
        return out.toString();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    URI uri(String target) {
        return URI.create(target.startsWith("http") ? target : root + target);
    }

    static HttpResponse<String> send(HttpClient with, HttpRequest request) {
        try {
            return with.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** PUTs a resource (JSON text) at its type and id with {@code token}; fails the test unless the server took it. */
    void put(String token, String resource) {
        JsonNode tree;
        try {
            tree = JSON.readTree(resource);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HttpResponse<String> r = send(client, HttpRequest.newBuilder(uri("/fhir/" + tree.get("resourceType").asText() + "/"
                        + tree.get("id").asText())).header("Content-Type", "application/fhir+json")
                .header("Authorization", "Bearer " + token).PUT(HttpRequest.BodyPublishers.ofString(resource)).build());
        if (r.statusCode() / 100 != 2) throw new AssertionError("PUT " + tree.get("id").asText() + ": " + r.statusCode() + " " + r.body());
    }

    /** A FHIR read with {@code token}: the status. */
    int fhir(String token, String path) {
        return get("/fhir/" + path, "Authorization", "Bearer " + token, "Accept", "application/fhir+json").statusCode();
    }

    static RSAKey rsa(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static ECKey ec(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_384).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String publicJwks(JWK... keys) {
        return new JWKSet(List.of(keys)).toPublicJWKSet().toString();
    }

    /** A well-formed assertion of {@code clientId} for {@code aud}, signed with {@code key}; {@code edit} may change it. */
    static String assertion(JWK key, String clientId, String aud, Consumer<JWTClaimsSet.Builder> claims,
                            Consumer<JWSHeader.Builder> header) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder c = new JWTClaimsSet.Builder().issuer(clientId).subject(clientId).audience(aud)
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(4)))).issueTime(Date.from(now))
                .jwtID(UUID.randomUUID().toString());
        claims.accept(c);
        JWSAlgorithm alg = key instanceof ECKey ? JWSAlgorithm.ES384 : JWSAlgorithm.RS384;
        JWSHeader.Builder h = new JWSHeader.Builder(alg).keyID(key.getKeyID()).type(JOSEObjectType.JWT);
        header.accept(h);
        try {
            JWSHeader built = h.build();
            JWSSigner signer = key instanceof ECKey e ? new ECDSASigner(e) : new RSASSASigner((RSAKey) key);
            SignedJWT jwt = new SignedJWT(built, c.build());
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String assertion(JWK key, String clientId, String aud) {
        return assertion(key, clientId, aud, c -> { }, h -> { });
    }

    /** The backend token request for {@code assertion}. */
    HttpResponse<String> backendToken(String assertion, String scope) {
        return token("grant_type", "client_credentials", "scope", scope,
                "client_assertion_type", ClientAssertions.TYPE, "client_assertion", assertion);
    }

    /** Query parameters of a URL (decoded). */
    static Map<String, String> query(String url) {
        String q = URI.create(url).getRawQuery();
        Map<String, String> out = new LinkedHashMap<>();
        if (q == null) return out;
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            out.put(java.net.URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    static String scopes(String... s) {
        return java.util.Arrays.stream(s).collect(Collectors.joining(" "));
    }
}
