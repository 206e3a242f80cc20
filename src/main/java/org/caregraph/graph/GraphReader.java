package org.caregraph.graph;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.TransactionConfig;
import org.neo4j.driver.Values;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The read side's one door to the graph: the FHIR API, the GraphQL analytics and the analysts' Cypher endpoint all
 * read through {@link #list}, so that access rules (SMART scopes, patient compartments) are later enforced in one
 * place. Every read runs in a read transaction with a timeout: a runaway query is stopped by the database.
 */
@Component
public class GraphReader {
    private final Driver driver;
    private final Duration timeout;
    private final MeterRegistry meters;

    public GraphReader(Driver driver, @Value("${caregraph.read.timeout:30s}") Duration timeout, MeterRegistry meters) {
        this.driver = driver;
        this.timeout = timeout;
        this.meters = meters;
    }

    /**
     * A stored version of a resource: its JSON as received, with the server's version and time beside it; a deletion
     * (FHIR delete) is a version without JSON.
     */
    public record StoredResource(String json, long versionId, String lastUpdated, boolean deleted) {
        static StoredResource of(Record r) {
            return new StoredResource(r.get("json").asString(null), r.get("versionId").asLong(), r.get("lastUpdated").asString(),
                    r.containsKey("deleted") && r.get("deleted").asBoolean());
        }
    }

    /** The current version; empty when the resource does not exist or is deleted. */
    public Optional<StoredResource> read(String key) {
        return list("read-resource", Map.of("key", key), StoredResource::of).stream().findFirst();
    }

    /** Every version, newest first, deletions included; empty when the resource never existed. */
    public List<StoredResource> history(String key) {
        return list("read-history", Map.of("key", key), StoredResource::of);
    }

    /**
     * Stored resources as (key, JSON) from {@code cypher/NAME.cypher} a page at a time, in key order, for the commands
     * that go over the whole store (reindex, NLP re-runs) without holding it: the query takes {@code $after} (the last
     * key of the previous page, '' at first) and {@code $limit} besides {@code parameters}.
     */
    public void forEachPage(String name, Map<String, ?> parameters, int pageSize, Consumer<List<Map.Entry<String, String>>> page) {
        String after = "";
        while (true) {
            Map<String, Object> p = new HashMap<>(parameters);
            p.put("after", after);
            p.put("limit", pageSize);
            List<Map.Entry<String, String>> rows = list(name, p, r -> Map.entry(r.get("key").asString(), r.get("json").asString()));
            if (rows.isEmpty()) return;
            page.accept(rows);
            after = rows.getLast().getKey();
        }
    }

    /** The rows of the query in {@code cypher/NAME.cypher}, each mapped by {@code row}. */
    public <T> List<T> list(String name, Map<String, ?> parameters, Function<Record, T> row) {
        // timed per query name (metric caregraph.graph.reads): what the API costs, and how many round trips it makes
        return Timer.builder("caregraph.graph.reads").tag("query", name).register(meters)
                .record(() -> run(Cypher.query(name), parameters, timeout, tx -> tx.stream().map(row).toList()));
    }

    /**
     * Runs {@code cypher} in a read transaction with {@code timeout} and hands its result to {@code reader}; for the
     * analysts' endpoint, whose queries are the caller's own, and for the named queries above.
     */
    public <T> T run(String cypher, Map<String, ?> parameters, Duration timeout,
                     Function<org.neo4j.driver.Result, T> reader) {
        @SuppressWarnings("unchecked")
        Map<String, Object> params = (Map<String, Object>) parameters;
        try (var s = driver.session()) {
            return s.executeRead(tx -> reader.apply(tx.run(cypher, Values.value(params))),
                    TransactionConfig.builder().withTimeout(timeout).build());
        }
    }
}
