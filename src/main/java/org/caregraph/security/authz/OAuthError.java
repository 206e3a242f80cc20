package org.caregraph.security.authz;

/**
 * A refused token or authorize request, as RFC 6749 names it ({@code invalid_request}, {@code invalid_client},
 * {@code invalid_grant}, {@code unauthorized_client}, {@code unsupported_grant_type}, {@code invalid_scope},
 * {@code access_denied}, {@code unsupported_response_type}); the description says what was wrong and never echoes a
 * secret.
 */
public final class OAuthError extends RuntimeException {
    private final String error;

    OAuthError(String error, String description) {
        super(description);
        this.error = error;
    }

    public String error() {
        return error;
    }

    static OAuthError invalidRequest(String description) {
        return new OAuthError("invalid_request", description);
    }

    static OAuthError invalidClient(String description) {
        return new OAuthError("invalid_client", description);
    }

    static OAuthError invalidGrant(String description) {
        return new OAuthError("invalid_grant", description);
    }

    static OAuthError invalidScope(String description) {
        return new OAuthError("invalid_scope", description);
    }
}
