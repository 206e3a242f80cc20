package org.caregraph.graph;

import java.util.List;
import java.util.Optional;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Values;
import org.springframework.stereotype.Component;

/**
 * The read side's one door to stored resources: the FHIR API (and the APIs after it) read through here, so that
 * access rules (SMART scopes, patient compartments) are later enforced in one place.
 */
@Component
public class GraphReader {
    private final Driver driver;

    public GraphReader(Driver driver) {
        this.driver = driver;
    }

    /** A stored version of a resource: its JSON as received, with the server's version and time beside it. */
    public record StoredResource(String json, long versionId, String lastUpdated) {
        static StoredResource of(Record r) {
            return new StoredResource(r.get("json").asString(), r.get("versionId").asLong(), r.get("lastUpdated").asString());
        }
    }

    public Optional<StoredResource> read(String key) {
        try (var s = driver.session()) {
            return s.executeRead(tx -> tx.run(Cypher.query("read-resource"), Values.parameters("key", key)).list())
                    .stream().findFirst().map(StoredResource::of);
        }
    }

    /** Every version, newest first; empty when the resource does not exist. */
    public List<StoredResource> history(String key) {
        try (var s = driver.session()) {
            return s.executeRead(tx -> tx.run(Cypher.query("read-history"), Values.parameters("key", key)).list())
                    .stream().map(StoredResource::of).toList();
        }
    }
}
