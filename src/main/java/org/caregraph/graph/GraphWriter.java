package org.caregraph.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.TransactionContext;
import org.neo4j.driver.Values;
import org.springframework.stereotype.Component;

/**
 * The one writer: every write of FHIR content (bulk import, REST, NLP) goes through {@link #write}. A batch is one
 * transaction, so a crash leaves whole batches or nothing, and re-running an import converges to the same graph.
 * Writes are serialized: Neo4j would otherwise deadlock on the shared Concept and placeholder nodes.
 */
@Component
public class GraphWriter {
    private final Driver driver;
    private final ReentrantLock lock = new ReentrantLock();

    public GraphWriter(Driver driver) {
        this.driver = driver;
    }

    /** What a batch changed: keys whose content was new or different. */
    public record WriteResult(Set<String> changed) {
    }

    public WriteResult write(List<ResourceRecord> batch) {
        if (batch.isEmpty()) return new WriteResult(Set.of());
        lock.lock();
        try (var session = driver.session()) {
            return session.executeWrite(tx -> writeIn(tx, batch));
        } finally {
            lock.unlock();
        }
    }

    private WriteResult writeIn(TransactionContext tx, List<ResourceRecord> batch) {
        Map<String, String> resolved = resolveConditional(tx, batch);
        List<Map<String, Object>> rows = new ArrayList<>(batch.size());
        List<String> withIdentifiers = new ArrayList<>();
        for (ResourceRecord r : batch) {
            Map<String, Object> row = r.toParameters();
            if (!resolved.isEmpty()) row.put("refs", resolveRefs(r.refs(), resolved));
            rows.add(row);
            if (!r.identifiers().isEmpty()) withIdentifiers.add(r.key());
        }
        Set<String> changed = new HashSet<>();
        tx.run(Cypher.query("write-resources"), Values.parameters("rows", rows))
                .forEachRemaining(rec -> changed.add(rec.get("key").asString()));
        if (!withIdentifiers.isEmpty()) {
            tx.run(Cypher.query("adopt-placeholders"), Values.parameters("keys", withIdentifiers)).consume();
        }
        return new WriteResult(changed);
    }

    /** Conditional references resolved against identifiers already stored (a real resource wins over a placeholder). */
    private static Map<String, String> resolveConditional(TransactionContext tx, List<ResourceRecord> batch) {
        Set<String> idents = new HashSet<>();
        for (ResourceRecord r : batch) {
            for (ResourceRecord.Ref ref : r.refs()) if (ref.ident() != null) idents.add(ref.ident());
        }
        if (idents.isEmpty()) return Map.of();
        Map<String, String> out = new HashMap<>();
        for (Record rec : tx.run(Cypher.query("resolve-identifiers"), Values.parameters("idents", List.copyOf(idents))).list()) {
            out.put(rec.get("ident").asString(), rec.get("key").asString());
        }
        return out;
    }

    private static List<Map<String, Object>> resolveRefs(List<ResourceRecord.Ref> refs, Map<String, String> resolved) {
        List<Map<String, Object>> out = new ArrayList<>(refs.size());
        for (ResourceRecord.Ref ref : refs) {
            String target = ref.ident() == null ? null : resolved.get(ref.ident());
            // a placeholder found by identifier is itself unresolved: keep the identifier so adoption still works
            boolean stillOpen = target == null || target.contains("?");
            Map<String, Object> x = new HashMap<>();
            x.put("rel", ref.rel());
            x.put("path", ref.path());
            x.put("key", target != null ? target : ref.key());
            x.put("type", ref.type());
            x.put("id", target != null && !stillOpen ? target.substring(target.indexOf('/') + 1) : ref.id());
            x.put("ident", stillOpen ? ref.ident() : null);
            out.add(x);
        }
        return out;
    }

    /** Rebuilds the time-ordered encounter chain of every patient whose encounters changed since the last call. */
    public void linkJourneys() {
        lock.lock();
        try (var session = driver.session()) {
            long linked;
            do {
                linked = session.executeWrite(tx -> tx.run(Cypher.query("link-journeys"), Values.parameters("limit", 1000))
                        .single().get("linked").asLong());
            } while (linked > 0);
        } finally {
            lock.unlock();
        }
    }
}
