package org.caregraph.security.authz;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.GraphWriter;
import org.caregraph.security.AccessContext;
import org.springframework.stereotype.Component;

/**
 * Refresh grants, for apps a user allowed {@code offline_access}: {@code (:Grant)} nodes (they outlive a restart)
 * holding what was authorized and the SHA-256 of the current refresh token's secret, never the token. A refresh token
 * is {@code <grant id>.<secret>}; each use rotates the secret (OAuth 2.1 §4.3.1 for public clients), and a secret used
 * a second time revokes the whole grant: either its owner or a thief holds a stale copy, and neither can tell which.
 * A grant ends at its expiry (from the sign-in; using it does not extend it), or when its client or user is removed.
 */
@Component
class Grants {
    private static final AccessContext AUTH = AccessContext.service("auth");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final GraphReader reader;
    private final GraphWriter writer;

    Grants(GraphReader reader, GraphWriter writer) {
        this.reader = reader;
        this.writer = writer;
    }

    /** A grant as stored. */
    record Grant(String id, String secretHash, Authorization authorization, long expiresAt) {
    }

    /** A refresh token and the grant it renews. */
    record Issued(String grantId, String refreshToken) {
    }

    Issued create(Authorization a, Duration lifetime) {
        long now = System.currentTimeMillis();
        String id = UUID.randomUUID().toString();
        String secret = secret();
        Map<String, Object> g = new HashMap<>();
        g.put("id", id);
        g.put("secretHash", hash(secret));
        g.put("client", a.clientId());
        g.put("user", a.user());
        g.put("fhirUser", a.fhirUser());
        g.put("patient", a.patient());
        g.put("scopes", a.scopes());
        g.put("expiresAt", now + lifetime.toMillis());
        g.put("created", now);
        writer.writeAuthorization(AUTH, "security/grant-save", Map.of("grant", g, "now", now));
        return new Issued(id, id + "." + secret);
    }

    /**
     * Renews the grant {@code refreshToken} names for {@code clientId}: a new refresh token of the same grant, and
     * the grant's authorization. invalid_grant when the token is unknown, expired, another client's, or stale (which
     * revokes the grant).
     */
    Map.Entry<Authorization, String> rotate(String refreshToken, String clientId) {
        int dot = refreshToken.indexOf('.');
        if (dot <= 0) throw OAuthError.invalidGrant("not a refresh token of this server");
        String id = refreshToken.substring(0, dot);
        String presented = hash(refreshToken.substring(dot + 1));
        Grant grant = find(id).orElseThrow(() -> OAuthError.invalidGrant("the refresh token is not valid (revoked or unknown)"));
        if (grant.expiresAt() < System.currentTimeMillis()) throw OAuthError.invalidGrant("the refresh token has expired");
        if (!grant.authorization().clientId().equals(clientId)) throw OAuthError.invalidGrant("the refresh token was issued to another client");
        if (!MessageDigest.isEqual(presented.getBytes(StandardCharsets.US_ASCII), grant.secretHash().getBytes(StandardCharsets.US_ASCII))) {
            revoke(id);
            throw OAuthError.invalidGrant("the refresh token was used before: the grant is revoked, sign in again");
        }
        String secret = secret();
        boolean rotated = !writer.writeAuthorization(AUTH, "security/grant-rotate",
                Map.of("id", id, "old", presented, "new", hash(secret), "now", System.currentTimeMillis())).isEmpty();
        if (!rotated) throw OAuthError.invalidGrant("the refresh token was used concurrently");
        return Map.entry(grant.authorization(), id + "." + secret);
    }

    void revoke(String id) {
        writer.writeAuthorization(AUTH, "security/grant-remove", Map.of("id", id));
    }

    @SuppressWarnings("unchecked")
    Optional<Grant> find(String id) {
        return reader.list(AUTH, "security/grant", Map.of("id", id), r -> {
            Map<String, Object> g = r.get("grant").asMap();
            Authorization a = new Authorization((String) g.get("client"), null, null, null, (String) g.get("user"),
                    (String) g.get("fhirUser"), (String) g.get("patient"), (List<String>) g.get("scopes"));
            return new Grant(id, (String) g.get("secretHash"), a, ((Number) g.get("expiresAt")).longValue());
        }).stream().findFirst();
    }

    private static String secret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * base64url(SHA-256(text)): a refresh secret's stored form (enough for 256 random bits, which no dictionary
     * guesses, and cheap at every refresh), and PKCE's S256.
     */
    static String hash(String secret) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
