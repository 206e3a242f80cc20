package org.caregraph.security;

import java.util.Collection;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;

/**
 * An authenticated caller as Spring Security holds it: the {@link AccessContext} built from its token (or the open
 * mode's), with each granted scope as a {@code SCOPE_…} authority for the filter chain's path rules.
 */
public final class AccessAuthentication extends AbstractAuthenticationToken {
    private final AccessContext context;
    private final Object credentials;

    public AccessAuthentication(AccessContext context, Object credentials, Collection<? extends GrantedAuthority> authorities) {
        super(authorities);
        this.context = context;
        this.credentials = credentials;
        setAuthenticated(true);
    }

    public AccessContext context() {
        return context;
    }

    @Override
    public Object getCredentials() {
        return credentials;
    }

    @Override
    public Object getPrincipal() {
        return context.user() != null ? context.user() : context.clientId();
    }
}
