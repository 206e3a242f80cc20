package org.caregraph.sql;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.UUID;
import java.util.stream.Collectors;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.PatientCompartment;
import org.caregraph.security.AccessContext;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.hl7.fhir.r4.model.Resource;
import org.neo4j.driver.Record;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * A ViewDefinition run over the server's data (or over resources the client sends), for {@code $viewdefinition-run}
 * and {@code $viewdefinition-export}: the view's resource type streamed from the graph — every current resource, or
 * the compartments of the patients asked for, updated since {@code _since}, of what the caller may see
 * (cypher/sql/run-type.cypher, run-patients.cypher) — each resource's rows computed by {@link ViewDefinition} as they come,
 * written as JSON, NDJSON or CSV with the view's values as the runner gives them, or as Parquet with the columns'
 * SQL types (DuckDB's writer, over a temporary table of the rows).
 */
@Component
class ViewRuns {
    /**
     * What to run a view over, for whom: the caller's access (what it may see confines the rows), patients'
     * compartments (keys; null: everyone), a lower bound on lastUpdated, or the client's own resources instead of the
     * server's (null: the server's).
     */
    record Source(AccessContext access, List<String> patients, String since, List<JsonNode> resources) {
    }

    private final FhirContext fhir;
    private final GraphReader graph;
    private final PatientCompartment compartment;
    private final SqlStore store;
    private final Duration timeout;

    ViewRuns(FhirContext fhir, GraphReader graph, PatientCompartment compartment, SqlStore store,
             @Value("${caregraph.sql.run-timeout:10m}") Duration timeout) {
        this.fhir = fhir;
        this.graph = graph;
        this.compartment = compartment;
        this.store = store;
        this.timeout = timeout;
    }

    /** @return the number of rows written */
    long write(ViewDefinition view, Source source, long limit, SqlQueries.Format format, boolean header, OutputStream out) {
        if (format == SqlQueries.Format.PARQUET) return parquet(view, source, limit, out);
        List<String> columns = view.columns().stream().map(ViewDefinition.Column::name).toList();
        return rows(view, source, rows -> {
            try {
                return RowWriters.write(RowWriters.of(columns, rows), limit, format, header, out);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** The rows into a temporary table of the columns' SQL types, then out by DuckDB's Parquet writer. */
    private long parquet(ViewDefinition view, Source source, long limit, OutputStream out) {
        List<SqlColumn> columns = view.columns().stream().map(SqlColumn::of).toList();
        String table = "run_" + UUID.randomUUID().toString().replace("-", "");
        Path file = store.spool().resolve(table + ".parquet");
        try (Connection c = store.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE " + table + " (" + columns.stream().map(SqlColumn::ddl).collect(Collectors.joining(", ")) + ")");
            long n;
            try (DuckDBAppender a = ((DuckDBConnection) c).createAppender("temp", "main", table)) {
                n = rows(view, source, rows -> {
                    long written = 0;
                    try {
                        while (written < limit && rows.hasNext()) {
                            Object[] row = rows.next();
                            Object[] typed = new Object[row.length];
                            for (int i = 0; i < row.length; i++) typed[i] = columns.get(i).convert(row[i], view.columns().get(i).element());
                            SqlStore.appendRow(a, null, typed);
                            written++;
                        }
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                    return written;
                });
            }
            s.execute("COPY (SELECT * FROM temp.main." + table + ") TO '" + file + "' (FORMAT parquet)");
            s.execute("DROP TABLE temp.main." + table);
            Files.copy(file, out);
            return n;
        } catch (SQLException e) {
            throw new IllegalStateException("the Parquet output failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // the spool is emptied at the next start
            }
        }
    }

    interface RowConsumer {
        long accept(Iterator<Object[]> rows);
    }

    /** Hands the view's rows over {@code source}, lazily, to {@code consumer} (inside the graph read, when it is one). */
    private long rows(ViewDefinition view, Source source, RowConsumer consumer) {
        IParser parser = fhir.newJsonParser();
        if (source.resources() != null) {
            Iterator<String> json = source.resources().stream().map(JsonNode::toString).iterator();
            return consumer.accept(new Rows(view, parser, json));
        }
        Map<String, Object> params = new HashMap<>();
        params.put("type", view.resource());
        params.put("since", source.since());
        params.put("until", Instant.now().toString());
        params.put("paths", compartment.paths());
        params.put("patients", source.patients());
        String query = source.patients() == null ? "sql/run-type" : "sql/run-patients";
        return graph.stream(source.access(), query, params, timeout, result -> consumer.accept(new Rows(view, parser, json(result))));
    }

    private static Iterator<String> json(Iterator<Record> result) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return result.hasNext();
            }

            @Override
            public String next() {
                Record r = result.next();
                return r.get("json").asString();
            }
        };
    }

    /** The rows of a stream of resources, resource by resource. */
    private static final class Rows implements Iterator<Object[]> {
        private final ViewDefinition view;
        private final IParser parser;
        private final Iterator<String> resources;
        private final Deque<Object[]> pending = new ArrayDeque<>();

        Rows(ViewDefinition view, IParser parser, Iterator<String> resources) {
            this.view = view;
            this.parser = parser;
            this.resources = resources;
        }

        @Override
        public boolean hasNext() {
            while (pending.isEmpty() && resources.hasNext()) {
                Resource r;
                try {
                    r = (Resource) parser.parseResource(resources.next());
                } catch (DataFormatException e) {
                    throw new InvalidRequestException("a resource to run the view over is not valid FHIR R4: " + e.getMessage());
                }
                pending.addAll(view.rows(r));
            }
            return !pending.isEmpty();
        }

        @Override
        public Object[] next() {
            if (!hasNext()) throw new NoSuchElementException();
            return pending.poll();
        }
    }
}
