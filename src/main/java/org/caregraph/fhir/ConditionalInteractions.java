package org.caregraph.fhir;

import org.caregraph.security.Access;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import java.util.List;
import java.util.Optional;

/**
 * Conditional create, update, delete and patch (If-None-Exist, {@code PUT/DELETE/PATCH Type?query}, transaction
 * entries alike): the one resource a query names, through the {@link ResourceMatcher} (the search engine's semantics).
 * Matching reads committed state, so the callers match and write under the writer lock ({@code GraphWriter.exclusively}):
 * two concurrent conditional creates of one thing create it once.
 */
final class ConditionalInteractions {
    private final ResourceMatcher matcher;

    ConditionalInteractions(ResourceMatcher matcher) {
        this.matcher = matcher;
    }

    /**
     * The key of the one current resource of {@code type} matching {@code condition} ({@code Type?query},
     * {@code ?query} or {@code query}); empty when none does.
     *
     * @throws PreconditionFailedException when several do (FHIR: 412, nothing is changed)
     */
    Optional<String> single(String type, String condition) {
        String query = query(type, condition);
        List<String> keys = matcher.match(Access.current(), type, query, 2);
        if (keys.size() > 1) {
            throw new PreconditionFailedException("conditional '" + type + "?" + query + "' matches more than one " + type);
        }
        return keys.stream().findFirst();
    }

    private static String query(String type, String condition) {
        if (condition == null) throw new InvalidRequestException("the request names neither a " + type + " id nor a query");
        int q = condition.indexOf('?');
        if (q > 0 && !condition.substring(0, q).equals(type)) {
            throw new InvalidRequestException("conditional '" + condition + "' does not name a " + type);
        }
        String query = q >= 0 ? condition.substring(q + 1) : condition;
        if (query.isBlank()) throw new InvalidRequestException("conditional '" + condition + "' has no query");
        return query;
    }
}
