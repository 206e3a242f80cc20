package org.caregraph.admin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.GraphSchema;
import org.caregraph.graph.GraphWriter;
import org.caregraph.security.AccessContext;
import org.springframework.stereotype.Component;

/**
 * {@code caregraph restore}: a backup ({@link BackupFile}) loaded into an empty database — the embedded one of a new
 * data directory, or an external Neo4j — through the one writer: every node with its labels and properties, then every
 * relationship, in batches; then the graph's counts of nodes per label and relationships per type are compared with
 * the backup's, and journeys marked for relinking at the cut (a write whose relinking had not run yet) are relinked, as
 * the server would have done next.
 */
@Component
public class GraphRestore {
    private static final AccessContext SERVICE = AccessContext.service("restore");
    private static final int NODE_BATCH = 2_000;
    private static final long NODE_BATCH_CHARS = 8L << 20;
    private static final int RELATIONSHIP_BATCH = 10_000;

    private final GraphReader reader;
    private final GraphWriter writer;
    private final GraphSchema schema;

    public GraphRestore(GraphReader reader, GraphWriter writer, GraphSchema schema) {
        this.reader = reader;
        this.writer = writer;
        this.schema = schema;
    }

    /** What was restored: nodes, relationships, and the graph's counts after the restore (equal to the backup's). */
    public record Result(long nodes, long relationships, Map<String, Long> labels, Map<String, Long> relationshipTypes) {
    }

    /** Refused (nothing written) when the database holds any node. */
    public static final class NotEmptyException extends IllegalStateException {
        NotEmptyException(long nodes) {
            super("the database is not empty (" + nodes + " nodes): restore fills an empty data directory or database only");
        }
    }

    /**
     * @param progress a line now and then, for the operator
     * @throws NotEmptyException when the database is not empty
     * @throws IllegalStateException when the restored graph does not count what the backup holds
     */
    public Result restore(BackupFile.Reader backup, Consumer<String> progress) {
        long existing = reader.streamAll(SERVICE, "backup/node-count", Map.of(), Duration.ofMinutes(1),
                rows -> rows.next().get("nodes").asLong());
        if (existing > 0) throw new NotEmptyException(existing);
        schema.apply("backup/restore-schema");
        long nodes;
        long relationships;
        try {
            nodes = restoreNodes(backup, progress);
            relationships = restoreRelationships(backup, progress);
            if (relationships != backup.totalRelationships()) {
                throw new IllegalStateException("the backup is inconsistent: " + (backup.totalRelationships() - relationships)
                        + " of its relationships end at a node it does not hold");
            }
            writer.finishRestore(SERVICE);
        } finally {
            schema.apply("backup/restore-drop-schema");
        }
        Map<String, Long> labels = new TreeMap<>();
        Map<String, Long> types = new TreeMap<>();
        reader.streamAll(SERVICE, "backup/counts", Map.of(), Duration.ofHours(1), rows -> {
            rows.forEachRemaining(r -> ("label".equals(r.get("kind").asString()) ? labels : types)
                    .put(r.get("name").asString(), r.get("count").asLong()));
            return null;
        });
        if (!labels.equals(backup.labels()) || !types.equals(backup.relationships())) {
            throw new IllegalStateException("the restored graph differs from the backup: nodes per label " + labels + " vs "
                    + backup.labels() + ", relationships per type " + types + " vs " + backup.relationships());
        }
        writer.linkJourneys(SERVICE);
        return new Result(nodes, relationships, labels, types);
    }

    private long restoreNodes(BackupFile.Reader backup, Consumer<String> progress) {
        List<Map<String, Object>> batch = new ArrayList<>();
        long[] done = {0, 0}; // nodes written, characters in the batch
        backup.forEachNode(n -> {
            Map<String, Object> row = new HashMap<>();
            row.put("id", n.id());
            row.put("labels", n.labels());
            row.put("props", n.props());
            batch.add(row);
            done[1] += chars(n.props());
            if (batch.size() >= NODE_BATCH || done[1] >= NODE_BATCH_CHARS) {
                done[0] += flushNodes(batch);
                done[1] = 0;
                progress.accept(String.format("%,d of %,d nodes", done[0], backup.nodes()));
            }
        });
        done[0] += flushNodes(batch);
        progress.accept(String.format("%,d of %,d nodes", done[0], backup.nodes()));
        return done[0];
    }

    private long flushNodes(List<Map<String, Object>> batch) {
        long created = writer.restoreNodes(SERVICE, batch);
        if (created != batch.size()) throw new IllegalStateException("restore wrote " + created + " of " + batch.size() + " nodes");
        batch.clear();
        return created;
    }

    private long restoreRelationships(BackupFile.Reader backup, Consumer<String> progress) {
        List<Map<String, Object>> batch = new ArrayList<>();
        long[] done = {0};
        backup.forEachNode(n -> {
            for (BackupFile.Rel r : n.out()) {
                batch.add(Map.of("from", n.id(), "to", r.to(), "type", r.type(), "props", r.props()));
                if (batch.size() >= RELATIONSHIP_BATCH) {
                    done[0] += writer.restoreRelationships(SERVICE, batch);
                    batch.clear();
                    progress.accept(String.format("%,d of %,d relationships", done[0], backup.totalRelationships()));
                }
            }
        });
        done[0] += writer.restoreRelationships(SERVICE, batch);
        progress.accept(String.format("%,d of %,d relationships", done[0], backup.totalRelationships()));
        return done[0];
    }

    /** Roughly what a node's properties weigh in a transaction: their text. */
    private static long chars(Map<String, Object> props) {
        long n = 0;
        for (Object v : props.values()) n += v instanceof String s ? s.length() : v instanceof List<?> l ? 16L * l.size() : 16;
        return n;
    }
}
