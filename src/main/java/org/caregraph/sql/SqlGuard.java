package org.caregraph.sql;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The analysts' SQL, checked with DuckDB's own parser before it runs ({@code json_serialize_sql}, which serializes
 * SELECT statements only): exactly one SELECT; every table it reads is one of the store's tables, a name its own
 * WITH defines, or {@code information_schema}; no table function but {@code range}, {@code generate_series} and
 * {@code unnest} (the others read files and URLs, run SQL given as text, or show settings). Writes, DDL, COPY,
 * ATTACH, INSTALL, LOAD, SET, PRAGMA, EXPORT and CALL are not SELECTs and are refused; so is a file path or URL in
 * FROM. The store's instance would refuse file and URL access too: this check says so before anything runs.
 */
final class SqlGuard {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TABLE_FUNCTIONS = Set.of("range", "generate_series", "unnest");

    private SqlGuard() {
    }

    /**
     * @param tables   the tables analysts may read (lower case)
     * @param building tables being built: reading one is 503, not an error of the query
     * @throws SqlException 400 for SQL that does not parse, 403 for what the policy refuses, 503 for a table not ready
     */
    static void check(Connection c, String sql, Set<String> tables, Set<String> building) throws SQLException {
        JsonNode parsed;
        try (PreparedStatement p = c.prepareStatement("SELECT json_serialize_sql(?)")) {
            p.setString(1, sql);
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                parsed = JSON.readTree(rs.getString(1));
            }
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            // the parse tree of a query nested hundreds of levels deep is deeper than the JSON reader goes (found by
            // the fuzzer: it was a 500)
            throw SqlException.badRequest("the query is nested too deeply to be checked; flatten it");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("DuckDB's parser answered something that is not JSON", e);
        }
        if (parsed.path("error").asBoolean()) {
            String message = parsed.path("error_message").asText();
            if (message.contains("Only SELECT statements")) {
                throw SqlException.rejected("only a single SELECT statement (or WITH ... SELECT) is allowed");
            }
            throw new SqlException(org.springframework.http.HttpStatus.BAD_REQUEST, "SQL_SYNTAX", message);
        }
        JsonNode statements = parsed.path("statements");
        if (statements.size() != 1) throw SqlException.rejected("one statement per request, not " + statements.size());
        Set<String> ctes = new HashSet<>();
        collectCtes(statements, ctes);
        walk(statements, tables, building, ctes);
    }

    private static void collectCtes(JsonNode node, Set<String> ctes) {
        if (node.isObject()) {
            for (JsonNode entry : node.path("cte_map").path("map")) ctes.add(entry.path("key").asText().toLowerCase(Locale.ROOT));
        }
        if (node.isContainerNode()) for (JsonNode child : node) collectCtes(child, ctes);
    }

    private static void walk(JsonNode node, Set<String> tables, Set<String> building, Set<String> ctes) {
        if (node.isObject()) {
            String type = node.path("type").asText();
            if ("TABLE_FUNCTION".equals(type)) {
                String name = node.path("function").path("function_name").asText().toLowerCase(Locale.ROOT);
                if (!TABLE_FUNCTIONS.contains(name)) {
                    throw SqlException.rejected("table function " + name + "() is not allowed (only "
                            + String.join(", ", TABLE_FUNCTIONS) + "); query the store's tables");
                }
            } else if ("BASE_TABLE".equals(type)) {
                table(node, tables, building, ctes);
            }
        }
        if (node.isContainerNode()) for (JsonNode child : node) walk(child, tables, building, ctes);
    }

    private static void table(JsonNode node, Set<String> tables, Set<String> building, Set<String> ctes) {
        String catalog = node.path("catalog_name").asText();
        String schema = node.path("schema_name").asText().toLowerCase(Locale.ROOT);
        String name = node.path("table_name").asText().toLowerCase(Locale.ROOT);
        if (!catalog.isEmpty()) throw SqlException.rejected("no other database can be read (" + catalog + ")");
        if (schema.equals("information_schema")) return;
        if (!schema.isEmpty() && !schema.equals("main")) {
            throw SqlException.rejected("table " + schema + "." + name + " is not one of the store's tables");
        }
        if (schema.isEmpty() && ctes.contains(name)) return;
        if (tables.contains(name)) return;
        if (building.contains(name)) throw SqlException.unavailable("table " + name + " is being built; try again shortly");
        throw SqlException.rejected("'" + node.path("table_name").asText() + "' is not one of the store's tables "
                + tables.stream().sorted().toList());
    }
}
