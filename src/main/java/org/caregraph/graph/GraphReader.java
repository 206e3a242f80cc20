package org.caregraph.graph;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    public GraphReader(Driver driver, @Value("${caregraph.read.timeout:30s}") Duration timeout) {
        this.driver = driver;
        this.timeout = timeout;
    }

    /** A stored version of a resource: its JSON as received, with the server's version and time beside it. */
    public record StoredResource(String json, long versionId, String lastUpdated) {
        static StoredResource of(Record r) {
            return new StoredResource(r.get("json").asString(), r.get("versionId").asLong(), r.get("lastUpdated").asString());
        }
    }

    public Optional<StoredResource> read(String key) {
        return list("read-resource", Map.of("key", key), StoredResource::of).stream().findFirst();
    }

    /** Every version, newest first; empty when the resource does not exist. */
    public List<StoredResource> history(String key) {
        return list("read-history", Map.of("key", key), StoredResource::of);
    }

    /** The rows of the query in {@code cypher/NAME.cypher}, each mapped by {@code row}. */
    public <T> List<T> list(String name, Map<String, ?> parameters, Function<Record, T> row) {
        return run(Cypher.query(name), parameters, timeout, tx -> tx.stream().map(row).toList());
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
