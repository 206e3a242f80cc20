package org.caregraph.security.authz;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * Authorization codes: random, good for one exchange within a minute (RFC 6749 §4.1.2 asks for short-lived, single
 * use). A code presented again is a sign it leaked: the exchange is refused and the refresh grant its first exchange
 * made is revoked (§4.1.2). Kept in memory: an app whose code outlives a restart signs in again.
 */
@Component
class AuthorizationCodes {
    static final Duration LIFETIME = Duration.ofSeconds(60);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, Entry> codes = new ConcurrentHashMap<>();

    private static final class Entry {
        final Authorization authorization;
        final Instant expires;
        volatile boolean used;
        volatile String grantId;

        Entry(Authorization authorization, Instant expires) {
            this.authorization = authorization;
            this.expires = expires;
        }
    }

    /** What an exchange finds: the authorization, or that the code was used before (and the grant it made). */
    record Redeemed(Authorization authorization, boolean replayed, String grantId) {
    }

    String issue(Authorization authorization) {
        Instant now = Instant.now();
        codes.values().removeIf(e -> e.expires.plus(LIFETIME).isBefore(now)); // kept a while after use, to see a replay
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String code = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        codes.put(code, new Entry(authorization, now.plus(LIFETIME)));
        return code;
    }

    /** Redeems {@code code}: null when unknown or expired. */
    Redeemed redeem(String code) {
        Entry e = codes.get(code);
        if (e == null || e.expires.isBefore(Instant.now()) && !e.used) return null;
        synchronized (e) {
            if (e.used) return new Redeemed(e.authorization, true, e.grantId);
            e.used = true;
            return new Redeemed(e.authorization, false, null);
        }
    }

    /** Notes the refresh grant the exchange of {@code code} made, to revoke it if the code comes again. */
    void madeGrant(String code, String grantId) {
        Entry e = codes.get(code);
        if (e != null) e.grantId = grantId;
    }
}
