package org.caregraph.sql;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.caregraph.fhir.OperationParams;

/**
 * The input of a SQL on FHIR operation: the parameters of a FHIR {@code Parameters} body (POST) and of the query
 * string (GET, or POST beside a body), read as JSON so that an inline ViewDefinition or Library arrives exactly as
 * the client wrote it.
 */
final class OperationInput {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<JsonNode> body;
    private final Map<String, String[]> query;

    private OperationInput(List<JsonNode> body, Map<String, String[]> query) {
        this.body = body;
        this.query = query;
    }

    static OperationInput of(byte[] content, Map<String, String[]> query) {
        List<JsonNode> parameters = new ArrayList<>();
        if (content != null && content.length > 0 && !new String(content, StandardCharsets.UTF_8).isBlank()) {
            JsonNode root;
            try {
                root = JSON.readTree(content);
            } catch (IOException e) {
                throw new InvalidRequestException("the body must be a FHIR Parameters resource in JSON");
            }
            if (!"Parameters".equals(root.path("resourceType").asText())) {
                throw new InvalidRequestException("the body must be a FHIR Parameters resource, not " + root.path("resourceType").asText("something else"));
            }
            root.path("parameter").forEach(parameters::add);
        }
        return new OperationInput(parameters, query);
    }

    /** A Parameters' part list as input of its own (an export's {@code view} parameter). */
    static OperationInput of(JsonNode parameter) {
        List<JsonNode> parts = new ArrayList<>();
        parameter.path("part").forEach(parts::add);
        return new OperationInput(parts, Map.of());
    }

    /** The parameters named {@code name} in the body. */
    List<JsonNode> all(String name) {
        return body.stream().filter(p -> name.equals(p.path("name").asText())).toList();
    }

    boolean has(String name) {
        return !all(name).isEmpty() || query.containsKey(name);
    }

    /** Every value of {@code name}, body first: a primitive value[x] as text, a Reference as its reference. */
    List<String> strings(String name) {
        List<String> out = new ArrayList<>();
        for (JsonNode p : all(name)) {
            String v = value(p);
            if (v == null) throw new InvalidRequestException("parameter '" + name + "' has no value");
            out.add(v);
        }
        String[] q = query.get(name);
        if (q != null) out.addAll(Arrays.asList(q));
        return out;
    }

    /** The one value of {@code name}, if given. */
    Optional<String> string(String name) {
        List<String> values = strings(name);
        if (values.size() > 1) throw new InvalidRequestException("parameter '" + name + "' is given more than once");
        return values.stream().findFirst();
    }

    Optional<Boolean> bool(String name) {
        return string(name).map(v -> switch (v) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw new InvalidRequestException("parameter '" + name + "' must be true or false");
        });
    }

    /** A positive whole number (_limit). */
    Optional<Long> count(String name) {
        return string(name).map(v -> {
            try {
                long n = Long.parseLong(v);
                if (n < 1) throw new NumberFormatException();
                return n;
            } catch (NumberFormatException e) {
                throw new InvalidRequestException("parameter '" + name + "' must be a whole number of at least 1");
            }
        });
    }

    /** An instant (_since), as the server's other operations take it. */
    Optional<String> instant(String name) {
        return string(name).map(v -> OperationParams.since(new org.hl7.fhir.r4.model.StringType(v)));
    }

    /** The inline resources of {@code name}. */
    List<JsonNode> resources(String name) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : all(name)) {
            if (!p.path("resource").isObject()) throw new InvalidRequestException("parameter '" + name + "' must carry a resource");
            out.add(p.get("resource"));
        }
        return out;
    }

    Optional<JsonNode> resource(String name) {
        List<JsonNode> r = resources(name);
        if (r.size() > 1) throw new InvalidRequestException("parameter '" + name + "' is given more than once");
        return r.stream().findFirst();
    }

    /** The value[x] of a parameter as text: the reference of a Reference, the text of a primitive. */
    static String value(JsonNode parameter) {
        for (Iterator<Map.Entry<String, JsonNode>> it = parameter.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getKey().startsWith("value")) continue;
            JsonNode v = f.getValue();
            if (v.isValueNode()) return v.asText();
            if (v.hasNonNull("reference")) return v.get("reference").asText();
        }
        return null;
    }

    /** The value[x] fields of a parameter (one, in valid FHIR), by element name. */
    static Map<String, JsonNode> typedFields(JsonNode parameter) {
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        parameter.fields().forEachRemaining(f -> {
            if (f.getKey().startsWith("value")) out.put(f.getKey(), f.getValue());
        });
        return out;
    }

    /** The value[x] of a parameter with its type ({@code valueDate} → date), for binding a SQLQuery parameter. */
    static Map.Entry<String, JsonNode> typed(JsonNode parameter) {
        for (Iterator<Map.Entry<String, JsonNode>> it = parameter.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().startsWith("value") && f.getKey().length() > 5) {
                String type = Character.toLowerCase(f.getKey().charAt(5)) + f.getKey().substring(6);
                return Map.entry(type, f.getValue());
            }
        }
        return null;
    }
}
