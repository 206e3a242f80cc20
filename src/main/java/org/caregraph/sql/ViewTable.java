package org.caregraph.sql;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.hl7.fhir.r4.model.Resource;

/**
 * A ViewDefinition materialized: one row per view row, keyed by the id of the resource it comes from.
 *
 * @param json the ViewDefinition as written (any change of it is a new definition: see {@link #hash})
 */
record ViewTable(String name, ViewDefinition view, List<SqlColumn> columns, String json, String url, String source)
        implements SqlTable {

    static ViewTable of(ViewDefinition view, JsonNode json, String source) {
        if (view.name() == null) throw new ViewException("a stored view needs a name: it is the table's name", "ViewDefinition.name");
        if (!view.name().matches("[A-Za-z][A-Za-z0-9_]*")) {
            throw new ViewException("name '" + view.name() + "' is not a plain SQL name ([A-Za-z][A-Za-z0-9_]*)", "ViewDefinition.name");
        }
        List<SqlColumn> columns = view.columns().stream().map(SqlColumn::of).toList();
        return new ViewTable(view.name().toLowerCase(java.util.Locale.ROOT), view, columns, json.toString(),
                json.path("url").asText(null), source);
    }

    @Override
    public String hash() {
        return sha256(json);
    }

    String resourceType() {
        return view.resource();
    }

    /** The resource's rows with each value converted to its column's type. */
    List<Object[]> rows(Resource resource) {
        List<Object[]> out = new ArrayList<>();
        for (Object[] row : view.rows(resource)) {
            Object[] converted = new Object[row.length];
            for (int i = 0; i < row.length; i++) converted[i] = columns.get(i).convert(row[i], view.columns().get(i).element());
            out.add(converted);
        }
        return out;
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
