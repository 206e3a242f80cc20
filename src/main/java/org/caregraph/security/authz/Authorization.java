package org.caregraph.security.authz;

import java.util.List;

/**
 * What a signed-in user authorized an app to have: the client, the user (its name and fhirUser), the patient in
 * context (a bare id, as SMART's patient launch context gives it; null without one) and the granted scopes; with the
 * authorize request's redirect URI, PKCE challenge and nonce, which the code exchange checks and the id_token echoes.
 */
record Authorization(String clientId, String redirectUri, String codeChallenge, String nonce, String user,
                     String fhirUser, String patient, List<String> scopes) {

    Authorization {
        scopes = List.copyOf(scopes);
    }

    boolean has(String scope) {
        return scopes.contains(scope);
    }
}
