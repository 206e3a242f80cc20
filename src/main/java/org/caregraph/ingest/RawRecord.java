package org.caregraph.ingest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Function;

/**
 * One resource read from a file, not yet validated, or a problem found while reading (then {@code resource} is null
 * and {@code code}/{@code message} say why).
 *
 * @param file      the input as the user named it
 * @param line      1-based line where the resource (or the problem) starts
 * @param urnLookup the enclosing Bundle's fullUrl → Type/id map, or null
 */
record RawRecord(String file, long line, ObjectNode resource, Function<String, String> urnLookup,
                 String resourceType, String id, String code, String message) {

    static RawRecord ok(String file, long line, ObjectNode resource, Function<String, String> urnLookup) {
        return new RawRecord(file, line, resource, urnLookup, text(resource, "resourceType"), text(resource, "id"), null, null);
    }

    static RawRecord error(String file, long line, String resourceType, String id, String code, String message) {
        return new RawRecord(file, line, null, null, resourceType, id, code, message);
    }

    boolean failed() {
        return resource == null;
    }

    private static String text(ObjectNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asText() : null;
    }
}
