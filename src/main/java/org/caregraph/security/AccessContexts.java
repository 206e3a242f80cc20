package org.caregraph.security;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.caregraph.graph.GraphReader;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.stereotype.Component;

/**
 * Turns a validated JWT into the request's {@link AccessContext}: scopes, client, user and patient read from the claims
 * ({@link ClaimNames}: our own tokens' names, or what an identity provider is configured to use), and for user/ scopes
 * the patients the user may see — a patient user its own record, a practitioner the patients it is linked to
 * ({@code cypher/security/practitioner-patients.cypher}), looked up once per token and kept until it expires.
 */
@Component
public class AccessContexts implements Converter<Jwt, AbstractAuthenticationToken> {
    private static final int CACHE_SIZE = 10_000;

    private final GraphReader reader;
    private final SecurityProperties props;
    private final Map<String, Cached> userPatients = java.util.Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
            return size() > CACHE_SIZE;
        }
    });

    private record Cached(Set<String> patients, Instant until) {
    }

    public AccessContexts(GraphReader reader, SecurityProperties props) {
        this.reader = reader;
        this.props = props;
    }

    @Override
    public AbstractAuthenticationToken convert(Jwt jwt) {
        SecurityProperties.ClaimNames names = props.claimNames(jwt.getClaimAsString("iss"));
        List<String> scopes = new ArrayList<>();
        for (String claim : names.scope().split("[,\\s]+")) {
            for (String s : scopes(jwt.getClaims().get(claim))) if (!scopes.contains(s)) scopes.add(s);
        }
        String client = firstString(jwt, names.clientId(), "client_id", "azp", "cid");
        String user = reference(jwt.getClaimAsString(names.fhirUser()));
        String patient = jwt.getClaimAsString(names.patient());
        if (patient != null && !patient.startsWith("Patient/")) patient = "Patient/" + patient;
        Set<String> reach = scopes.stream().anyMatch(s -> s.startsWith("user/")) ? userReach(jwt, user) : Set.of();
        AccessContext context = AccessContext.token(client != null ? client : jwt.getSubject(), user, jwt.getId(), patient,
                scopes, reach);
        List<GrantedAuthority> authorities = new ArrayList<>();
        for (String s : scopes) authorities.add(new SimpleGrantedAuthority("SCOPE_" + s));
        return new AccessAuthentication(context, jwt, authorities);
    }

    /** The patients user/ scopes reach, looked up once per token. */
    private Set<String> userReach(Jwt jwt, String user) {
        if (user == null || !user.startsWith("Practitioner/") || props.practitionerLinks().contains("all")) return reach(user);
        String cacheKey = user + " " + jwt.getId();
        Cached cached = userPatients.get(cacheKey);
        if (cached != null && cached.until().isAfter(Instant.now())) return cached.patients();
        Set<String> patients = reach(user);
        Instant until = jwt.getExpiresAt() != null ? jwt.getExpiresAt() : Instant.now().plus(Duration.ofMinutes(5));
        userPatients.put(cacheKey, new Cached(patients, until));
        return patients;
    }

    /**
     * The patients a user ({@code fhirUser}, Practitioner/X or Patient/Y) reaches with user/ scopes: a patient its own
     * record, a practitioner the patients it is linked to as configured; null (every patient) only when configured so.
     * The authorization server's patient picker offers these.
     */
    public Set<String> reach(String user) {
        if (user == null) return Set.of();
        if (user.startsWith("Patient/")) return Set.of(user);
        if (!user.startsWith("Practitioner/")) return Set.of();
        if (props.practitionerLinks().contains("all")) return null;
        List<String> found = reader.list(AccessContext.service("access"), "security/practitioner-patients",
                Map.of("key", user, "links", List.copyOf(props.practitionerLinks())),
                r -> r.get("patients").asList(v -> v.asString())).stream().findFirst().orElse(List.of());
        return Set.copyOf(found);
    }

    /** A scope claim as a space-separated string (SMART, RFC 9068) or a list (Entra ID's scp, Okta's scp). */
    static List<String> scopes(Object claim) {
        if (claim == null) return List.of();
        if (claim instanceof Collection<?> c) return c.stream().map(String::valueOf).filter(s -> !s.isBlank()).toList();
        return Arrays.stream(String.valueOf(claim).split("\\s+")).filter(s -> !s.isBlank()).toList();
    }

    /** {@code https://host/fhir/Practitioner/123} or {@code Practitioner/123} → {@code Practitioner/123}. */
    static String reference(String fhirUser) {
        if (fhirUser == null || fhirUser.isBlank()) return null;
        String[] parts = fhirUser.split("/");
        if (parts.length < 2) return null;
        return parts[parts.length - 2] + "/" + parts[parts.length - 1];
    }

    private static String firstString(Jwt jwt, String... claims) {
        for (String c : claims) {
            String v = c == null ? null : jwt.getClaimAsString(c);
            if (v != null && !v.isBlank()) return v;
        }
        return null;
    }
}
