package org.caregraph.security;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * The access context of the request being served, as Spring Security's filter chain established it. Code that serves
 * a request asks here and hands the context to the doors explicitly; with none (a code path that escaped the filter
 * chain) it throws, so a read never runs unconfined by accident.
 */
public final class Access {
    private Access() {
    }

    public static AccessContext current() {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth instanceof AccessAuthentication a) return a.context();
        throw new NoAccessContextException();
    }

    /** The request's context if it has one (an audit record of a refused request has none). */
    public static AccessContext currentOrNull() {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        return auth instanceof AccessAuthentication a ? a.context() : null;
    }

    /** Thrown when data is asked for outside an authenticated request: a defect, answered as a server error. */
    public static final class NoAccessContextException extends IllegalStateException {
        public NoAccessContextException() {
            super("no access context: the request was not authenticated");
        }
    }
}
