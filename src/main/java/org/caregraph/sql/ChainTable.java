package org.caregraph.sql;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.caregraph.graph.Cypher;
import org.neo4j.driver.Record;

/**
 * What only the graph knows, as a table: each patient's encounter chain (the journey the writer links in time,
 * {@code (:Patient)-[:FIRST_ENCOUNTER]->(:Encounter)-[:NEXT]->...}), one row per encounter with its position and
 * neighbours, keyed by the patient; read with cypher/sql/encounter-chain*.cypher.
 */
record ChainTable() implements SqlTable {
    static final String NAME = "encounter_chain";
    private static final List<SqlColumn> COLUMNS = List.of(
            new SqlColumn("patient_id", SqlColumn.Type.VARCHAR, false),
            new SqlColumn("seq", SqlColumn.Type.INTEGER, false),
            new SqlColumn("encounter_id", SqlColumn.Type.VARCHAR, false),
            new SqlColumn("previous_encounter_id", SqlColumn.Type.VARCHAR, false),
            new SqlColumn("next_encounter_id", SqlColumn.Type.VARCHAR, false),
            new SqlColumn("start_time", SqlColumn.Type.TIMESTAMPTZ, false),
            new SqlColumn("end_time", SqlColumn.Type.TIMESTAMPTZ, false));

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<SqlColumn> columns() {
        return COLUMNS;
    }

    @Override
    public String hash() {
        return ViewTable.sha256(Cypher.query("sql/encounter-chain") + COLUMNS);
    }

    @Override
    public String source() {
        return "cypher/sql/encounter-chain.cypher";
    }

    /**
     * Rows of the query's result ({@code patient, position, encounter, start, end}, ordered by patient and position),
     * grouped by patient id.
     */
    static Map<String, List<Object[]>> rows(Iterator<Record> result) {
        Map<String, List<Object[]>> byPatient = new LinkedHashMap<>();
        while (result.hasNext()) {
            Record r = result.next();
            Object[] row = {r.get("patient").asString(), r.get("position").asInt(), r.get("encounter").asString(), null, null,
                    time(r.get("start").asString(null)), time(r.get("end").asString(null))};
            byPatient.computeIfAbsent((String) row[0], p -> new ArrayList<>()).add(row);
        }
        for (List<Object[]> chain : byPatient.values()) {
            for (int i = 0; i < chain.size(); i++) {
                if (i > 0) chain.get(i)[3] = chain.get(i - 1)[2];
                if (i < chain.size() - 1) chain.get(i)[4] = chain.get(i + 1)[2];
            }
        }
        return byPatient;
    }

    /** The graph keeps encounter times in UTC, or a date as written: the instant, or null for what is not one. */
    private static OffsetDateTime time(String text) {
        if (text == null) return null;
        try {
            return (OffsetDateTime) COLUMNS.get(5).convert(text, null);
        } catch (ViewException e) {
            return null;
        }
    }
}
