package org.caregraph.fhir;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.caregraph.graph.GraphReader;
import org.springframework.stereotype.Component;

/**
 * A deliberately small {@link ResourceMatcher} for conditional interactions until the search engine is merged:
 * {@code identifier=[system|]value} and {@code _id=} only (each at most once), on the Identifier nodes the writer keeps
 * (match-identifier.cypher). Anything else is refused with 400. The search engine's ResourceMatcher replaces it: delete
 * this class and cypher/match-identifier.cypher then.
 */
@Component
class IdentifierMatcher implements ResourceMatcher {
    private final GraphReader reader;

    IdentifierMatcher(GraphReader reader) {
        this.reader = reader;
    }

    @Override
    public List<String> match(String type, String query, int limit) {
        Map<String, Object> params = new HashMap<>();
        params.put("type", type);
        params.put("ident", null);
        params.put("value", null);
        params.put("id", null);
        params.put("limit", limit);
        for (String part : query.split("&")) {
            if (part.isEmpty()) continue;
            int eq = part.indexOf('=');
            String name = eq < 0 ? part : part.substring(0, eq);
            String value = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            if (value.isEmpty()) throw refused(query, "parameter '" + name + "' has no value");
            switch (name) {
                case "_id" -> set(params, "id", value, query);
                case "identifier" -> {
                    int bar = value.indexOf('|');
                    if (bar < 0) set(params, "value", value, query);
                    else if (bar == value.length() - 1) throw refused(query, "identifier=system| (any value) is not supported");
                    else set(params, "ident", type + "|" + value, query);
                }
                default -> throw refused(query, "parameter '" + name + "' is not supported here (identifier and _id are)");
            }
        }
        if (params.get("ident") == null && params.get("value") == null && params.get("id") == null) {
            throw refused(query, "no search parameter");
        }
        return reader.list("match-identifier", params, r -> r.get("key").asString());
    }

    private static void set(Map<String, Object> params, String name, String value, String query) {
        boolean identifier = name.equals("ident") || name.equals("value");
        if (params.get(name) != null || identifier && (params.get("ident") != null || params.get("value") != null)) {
            throw refused(query, "a parameter is repeated");
        }
        params.put(name, value);
    }

    private static InvalidRequestException refused(String query, String why) {
        return new InvalidRequestException("conditional query '" + query + "': " + why);
    }
}
