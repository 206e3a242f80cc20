package org.caregraph.security;

import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Security settings ({@code caregraph.security.*}).
 *
 * @param enabled            false only for local experiments: allowed on a loopback address alone, with a warning
 * @param issuer             the {@code iss} of CareGraph's own tokens
 * @param practitionerLinks  what links a practitioner (fhirUser) to the patients its user/ scopes reach:
 *                           encounter, care-team, general-practitioner; or all (every patient)
 * @param issuers            external identity providers whose tokens are accepted
 */
@ConfigurationProperties("caregraph.security")
public record SecurityProperties(boolean enabled, String issuer, Set<String> practitionerLinks, List<ExternalIssuer> issuers) {

    public SecurityProperties {
        practitionerLinks = practitionerLinks == null ? Set.of("encounter", "care-team", "general-practitioner") : Set.copyOf(practitionerLinks);
        issuers = issuers == null ? List.of() : List.copyOf(issuers);
    }

    /**
     * An identity provider (Keycloak, Entra ID, Okta): its tokens are verified against its JWKS and read with its claim
     * names.
     *
     * @param issuer   its {@code iss}
     * @param jwksUri  where its keys are published
     * @param audience the {@code aud} its tokens must carry for CareGraph (null: not checked)
     * @param claims   the claims holding scopes, patient, fhirUser and client (null: the SMART names)
     */
    public record ExternalIssuer(String issuer, String jwksUri, String audience, ClaimNames claims) {
    }

    /** The claim names for tokens of {@code iss}. */
    public ClaimNames claimNames(String iss) {
        for (ExternalIssuer e : issuers) {
            if (e.issuer().equals(iss) && e.claims() != null) return e.claims().orDefaults();
        }
        return ClaimNames.SMART;
    }

    /** Where a token carries what CareGraph reads from it. */
    public record ClaimNames(String scope, String patient, String fhirUser, String clientId) {
        public static final ClaimNames SMART = new ClaimNames("scope", "patient", "fhirUser", "client_id");

        ClaimNames orDefaults() {
            return new ClaimNames(scope != null ? scope : SMART.scope, patient != null ? patient : SMART.patient,
                    fhirUser != null ? fhirUser : SMART.fhirUser, clientId != null ? clientId : SMART.clientId);
        }
    }
}
