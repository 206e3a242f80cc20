package org.caregraph.sql;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A SQL on FHIR SQLQuery: a FHIR {@code Library} of type {@code sql-query} holding one SQL statement (an
 * {@code application/sql} attachment, base64 {@code data} or the {@code sql-text} extension), the ViewDefinitions it
 * depends on, each under the label its SQL uses as a table name ({@code relatedArtifact} depends-on), and the
 * parameters it declares ({@code parameter}, use in), which the SQL names as {@code :name}.
 */
record SqlQueryLibrary(String name, String sql, Map<String, String> dependencies, Map<String, String> parameterTypes) {
    private static final String SQL_TEXT = "/StructureDefinition/sql-text";

    /** @throws UnprocessableEntityException when it is not a SQLQuery this server can run */
    static SqlQueryLibrary parse(JsonNode library) {
        if (!"Library".equals(library.path("resourceType").asText())) throw invalid("a SQLQuery is a Library");
        boolean typed = false;
        for (JsonNode coding : library.path("type").path("coding")) {
            typed |= "sql-query".equals(coding.path("code").asText()) && coding.path("system").asText().endsWith("LibraryTypesCodes");
        }
        if (!typed) throw invalid("Library.type must be sql-query (LibraryTypesCodes): this Library is not a SQLQuery");
        String sql = null;
        for (JsonNode content : library.path("content")) {
            String type = content.path("contentType").asText();
            if (!type.startsWith("application/sql")) continue;
            // a dialect-specific variant for another engine is passed over when a plain or DuckDB one exists
            if (sql != null && !type.contains("duckdb")) continue;
            sql = text(content);
        }
        if (sql == null || sql.isBlank()) throw invalid("Library.content needs an application/sql attachment with the query");
        Map<String, String> dependencies = new LinkedHashMap<>();
        for (JsonNode artifact : library.path("relatedArtifact")) {
            if (!"depends-on".equals(artifact.path("type").asText())) continue;
            String label = artifact.path("label").asText(null);
            String resource = artifact.path("resource").asText(null);
            if (label == null || !label.matches("[A-Za-z][A-Za-z0-9_]*")) {
                throw invalid("relatedArtifact.label '" + label + "' must be a table name ([A-Za-z][A-Za-z0-9_]*)");
            }
            if (resource == null) throw invalid("relatedArtifact '" + label + "' names no ViewDefinition (resource)");
            if (dependencies.put(label, resource) != null) throw invalid("relatedArtifact.label '" + label + "' is used twice");
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        for (JsonNode p : library.path("parameter")) {
            if (!"in".equals(p.path("use").asText("in"))) continue;
            String name = p.path("name").asText(null);
            if (name == null) throw invalid("a Library.parameter needs a name");
            parameters.put(name, p.path("type").asText("string"));
        }
        return new SqlQueryLibrary(library.path("name").asText(library.path("id").asText("query")), sql, dependencies, parameters);
    }

    private static String text(JsonNode content) {
        for (JsonNode ext : content.path("extension")) {
            if (ext.path("url").asText().endsWith(SQL_TEXT) && ext.hasNonNull("valueString")) return ext.get("valueString").asText();
        }
        if (!content.hasNonNull("data")) return null;
        try {
            return new String(Base64.getDecoder().decode(content.get("data").asText()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalid("Library.content.data is not base64");
        }
    }

    /**
     * The values of the declared parameters from the request's Parameters entries (name and value[x]), as SQL values
     * by their declared type.
     *
     * @throws InvalidRequestException for an undeclared parameter, a value of another type, or a missing one
     */
    Map<String, Object> bind(Iterable<JsonNode> given) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (JsonNode p : given) {
            String name = p.path("name").asText();
            String declared = parameterTypes.get(name);
            if (declared == null) throw new InvalidRequestException("parameter '" + name + "' is not declared by the SQLQuery " + this.name);
            Map.Entry<String, JsonNode> value = OperationInput.typed(p);
            if (value == null) throw new InvalidRequestException("parameter '" + name + "' has no value");
            if (!value.getKey().equals(declared)) {
                throw new InvalidRequestException("parameter '" + name + "' is declared " + declared + ", given value" + capital(value.getKey()));
            }
            out.put(name, switch (declared) {
                case "integer", "positiveInt", "unsignedInt", "integer64" -> value.getValue().asLong();
                case "decimal" -> new BigDecimal(value.getValue().asText()).doubleValue();
                case "boolean" -> value.getValue().asBoolean();
                default -> value.getValue().asText();
            });
        }
        for (String declared : parameterTypes.keySet()) {
            if (!out.containsKey(declared)) throw new InvalidRequestException("parameter '" + declared + "' of the SQLQuery " + name + " has no value");
        }
        return out;
    }

    private static String capital(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static UnprocessableEntityException invalid(String message) {
        return new UnprocessableEntityException(message);
    }
}
