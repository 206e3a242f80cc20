package org.caregraph.fhir;

import org.caregraph.security.AccessContext;
import java.util.List;

/**
 * Finds current resources by a FHIR search query, for conditional create/update/delete (If-None-Exist, {@code PUT
 * Patient?identifier=...}) and transaction entries: the same semantics as {@code GET [type]?query}.
 */
public interface ResourceMatcher {

    /**
     * Keys ({@code Type/id}) of current (not deleted) resources of {@code type} matching {@code query} (a URL query
     * string such as {@code identifier=http://x|1&active=true}, no leading '?'), at most {@code limit} of them, among
     * those the caller may see (a resource outside its reach is not matched: no existence oracle).
     *
     * @throws ca.uhn.fhir.rest.server.exceptions.InvalidRequestException for an unknown or malformed parameter
     */
    List<String> match(AccessContext access, String type, String query, int limit);
}
