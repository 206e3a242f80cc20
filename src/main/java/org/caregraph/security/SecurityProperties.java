package org.caregraph.security;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Security settings ({@code caregraph.security.*}).
 *
 * @param enabled            false only for local experiments: allowed on a loopback address alone, with a warning
 * @param issuer             the {@code iss} of CareGraph's own tokens: the server's public base URL (blank: derived from
 *                           the HTTP server's address, port and TLS at startup; see {@link ServerUrls})
 * @param practitionerLinks  what links a practitioner (fhirUser) to the patients its user/ scopes reach:
 *                           encounter, care-team, general-practitioner; or all (every patient)
 * @param issuers            external identity providers whose tokens are accepted
 * @param tokens             lifetimes of what the built-in authorization server issues
 */
@ConfigurationProperties("caregraph.security")
public record SecurityProperties(boolean enabled, String issuer, Set<String> practitionerLinks, List<ExternalIssuer> issuers,
                                 Tokens tokens) {

    public SecurityProperties {
        practitionerLinks = practitionerLinks == null ? Set.of("encounter", "care-team", "general-practitioner") : Set.copyOf(practitionerLinks);
        issuers = issuers == null ? List.of() : List.copyOf(issuers);
        tokens = tokens == null ? new Tokens(null, null, null) : tokens;
    }

    /**
     * Token lifetimes ({@code caregraph.security.tokens.*}).
     *
     * @param backend access tokens of backend clients (client_credentials): at most 5 minutes, as SMART Backend
     *                Services asks
     * @param user    access tokens (and id_tokens) of apps a user signed in to
     * @param refresh refresh tokens of apps allowed offline_access, from the sign-in (rotated at each use, not extended)
     */
    public record Tokens(Duration backend, Duration user, Duration refresh) {
        public static final Duration BACKEND_MAX = Duration.ofMinutes(5);

        public Tokens {
            backend = backend == null ? BACKEND_MAX : backend;
            user = user == null ? Duration.ofMinutes(15) : user;
            refresh = refresh == null ? Duration.ofDays(30) : refresh;
            if (backend.compareTo(BACKEND_MAX) > 0 || backend.isNegative() || backend.isZero()) {
                throw new IllegalArgumentException("caregraph.security.tokens.backend must be between 1 s and 5 min, not " + backend);
            }
            if (!user.isPositive() || !refresh.isPositive()) {
                throw new IllegalArgumentException("caregraph.security.tokens.user and .refresh must be positive");
            }
        }
    }

    /**
     * An identity provider (Keycloak, Entra ID, Okta): its tokens are verified against its JWKS and read with its claim
     * names.
     *
     * @param issuer     its {@code iss}
     * @param jwksUri    where its keys are published
     * @param audience   the {@code aud} its tokens must carry for CareGraph (null: not checked; set it, so that tokens
     *                   the provider issued for other services are refused)
     * @param claims     the claims holding scopes, patient, fhirUser and client (null: the SMART names)
     * @param algorithms the JWS algorithms its tokens are signed with (default RS256)
     */
    public record ExternalIssuer(String issuer, String jwksUri, String audience, ClaimNames claims, List<String> algorithms) {
        public ExternalIssuer {
            if (issuer == null || issuer.isBlank() || jwksUri == null || jwksUri.isBlank()) {
                throw new IllegalArgumentException("caregraph.security.issuers[*] needs an issuer and a jwks-uri");
            }
            algorithms = algorithms == null || algorithms.isEmpty() ? List.of("RS256") : List.copyOf(algorithms);
        }
    }

    /** The claim names for tokens of {@code iss}. */
    public ClaimNames claimNames(String iss) {
        for (ExternalIssuer e : issuers) {
            if (e.issuer().equals(iss) && e.claims() != null) return e.claims().orDefaults();
        }
        return ClaimNames.SMART;
    }

    /**
     * Where a token carries what CareGraph reads from it. {@code scope} may name several claims (comma-separated, e.g.
     * {@code scp,roles} for Entra ID, whose delegated tokens carry scp and app-only tokens roles); each may be a
     * space-separated string or a list.
     */
    public record ClaimNames(String scope, String patient, String fhirUser, String clientId) {
        public static final ClaimNames SMART = new ClaimNames("scope", "patient", "fhirUser", "client_id");

        ClaimNames orDefaults() {
            return new ClaimNames(scope != null ? scope : SMART.scope, patient != null ? patient : SMART.patient,
                    fhirUser != null ? fhirUser : SMART.fhirUser, clientId != null ? clientId : SMART.clientId);
        }
    }
}
