package org.caregraph.graph;

import java.util.Map;
import java.util.TreeMap;
import org.neo4j.driver.Driver;
import org.springframework.stereotype.Component;

/** Counts of what is stored, for `caregraph stats`, tests and the import summary. */
@Component
public class GraphStats {
    private final Driver driver;

    public GraphStats(Driver driver) {
        this.driver = driver;
    }

    /** resources per type, other nodes per kind (Concept, Placeholder, ...), relationships per type. */
    public record Stats(Map<String, Long> resources, Map<String, Long> nodes, Map<String, Long> relationships) {
        public long totalResources() {
            return resources.values().stream().mapToLong(Long::longValue).sum();
        }

        public long totalRelationships() {
            return relationships.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    public Stats read() {
        Map<String, Long> resources = new TreeMap<>();
        Map<String, Long> nodes = new TreeMap<>();
        Map<String, Long> rels = new TreeMap<>();
        try (var session = driver.session()) {
            session.executeRead(tx -> tx.run(Cypher.query("stats")).list()).forEach(r -> {
                long count = r.get("count").asLong();
                if (count == 0) return;
                String name = r.get("name").asString();
                switch (r.get("kind").asString()) {
                    case "resource" -> resources.put(name, count);
                    case "node" -> nodes.put(name, count);
                    default -> rels.put(name, count);
                }
            });
        }
        return new Stats(resources, nodes, rels);
    }
}
