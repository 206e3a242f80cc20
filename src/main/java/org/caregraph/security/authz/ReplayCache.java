package org.caregraph.security.authz;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The jti of every client assertion accepted, kept until the assertion expires (plus the clock skew allowed), so that
 * an assertion is good for one token request only (SMART Backend Services; RFC 7523 §3). Only verified assertions get
 * here, so its size is bounded by what registered clients ask within five minutes. One instance remembers its own
 * requests: several CareGraph instances behind one token URL would need a shared store.
 */
@Component
class ReplayCache {
    static final Duration SKEW = Duration.ofSeconds(60);

    private final Map<String, Instant> seen = new ConcurrentHashMap<>();
    private volatile Instant nextSweep = Instant.EPOCH;

    /** Whether this is the first use of {@code jti} by {@code client}; remembers it until {@code expires}. */
    boolean firstUse(String client, String jti, Instant expires) {
        Instant now = Instant.now();
        if (now.isAfter(nextSweep)) {
            nextSweep = now.plusSeconds(30);
            seen.values().removeIf(until -> until.isBefore(now));
        }
        return seen.putIfAbsent(client + '\u0000' + jti, expires.plus(SKEW)) == null;
    }
}
