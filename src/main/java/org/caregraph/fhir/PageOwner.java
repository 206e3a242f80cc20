package org.caregraph.fhir;

import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import org.caregraph.security.Access;
import org.caregraph.security.AccessContext;

/**
 * Search and history pages are their requester's: HAPI keeps the result object between page requests, and a page
 * link replayed with another token finds no such result (404); each page is read with the current caller's context
 * anyway.
 */
public final class PageOwner {
    private PageOwner() {
    }

    /** Who asked: the token's kind, client, user, patient and scopes. */
    public static String of(AccessContext access) {
        return access.kind() + " " + access.clientId() + " " + access.user() + " " + access.patient() + " " + access.scopes();
    }

    /** The current caller, when it is {@code owner}; else 404. */
    public static AccessContext caller(String owner) {
        AccessContext access = Access.current();
        if (!owner.equals(of(access))) throw new ResourceNotFoundException("no such page");
        return access;
    }
}
