package org.caregraph.security.authz;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A client of the authorization server, as registered ({@code caregraph clients add}) and kept in the graph as a
 * {@code (:Client)} node. How it authenticates follows from what was registered: a JWK set (inline or at a URL) means
 * private_key_jwt (SMART's asymmetric confidential clients, and the only way for a backend client), a secret hash
 * means client_secret_basic, neither a public client (a browser app proving itself with PKCE alone). Redirect URIs
 * make it a browser app (authorization code); keys make it able to use client_credentials.
 *
 * @param id           the client_id (for a backend client also the iss and sub of its assertions)
 * @param name         a name shown on the sign-in page (may be null)
 * @param jwks         its public keys as JWK set JSON (null: none inline)
 * @param jwksUri      where its public keys are published (null: none)
 * @param redirectUris where authorization codes may be sent, compared exactly
 * @param scopes       its allowance: what it may be granted at most
 * @param secretHash   a password-encoder hash of its secret (null: none)
 * @param sameOrigin   the built-in UI: its one redirect URI is a path on whatever origin the authorize request came to
 */
public record RegisteredClient(String id, String name, String jwks, String jwksUri, List<String> redirectUris,
                               List<String> scopes, String secretHash, boolean sameOrigin) {

    public RegisteredClient {
        redirectUris = redirectUris == null ? List.of() : List.copyOf(redirectUris);
        scopes = scopes == null ? List.of() : List.copyOf(scopes);
    }

    /** The token endpoint authentication it uses: private_key_jwt, client_secret_basic or none. */
    public String authMethod() {
        if (jwks != null || jwksUri != null) return "private_key_jwt";
        return secretHash != null ? "client_secret_basic" : "none";
    }

    public boolean isPublic() {
        return authMethod().equals("none");
    }

    /** Whether it may use the authorization code grant (it has somewhere to receive codes). */
    public boolean browserApp() {
        return !redirectUris.isEmpty();
    }

    /** The node's properties. */
    Map<String, Object> properties(long now) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", id);
        p.put("name", name);
        p.put("jwks", jwks);
        p.put("jwksUri", jwksUri);
        p.put("redirectUris", redirectUris);
        p.put("scopes", scopes);
        p.put("secretHash", secretHash);
        p.put("updated", now);
        return p;
    }

    @SuppressWarnings("unchecked")
    static RegisteredClient of(Map<String, Object> p) {
        return new RegisteredClient((String) p.get("id"), (String) p.get("name"), (String) p.get("jwks"),
                (String) p.get("jwksUri"), (List<String>) p.get("redirectUris"), (List<String>) p.get("scopes"),
                (String) p.get("secretHash"), false);
    }
}
