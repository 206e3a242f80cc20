package org.caregraph.admin;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.caregraph.graph.ChangeWatch;
import org.caregraph.graph.EmbeddedNeo4j;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.GraphWriter;
import org.caregraph.security.AccessContext;
import org.neo4j.driver.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * A consistent backup of the whole graph while the server serves. Neo4j Community has no online backup and its reads
 * are read-committed, not snapshots, so a plain scan of a graph being written mixes states. Instead:
 * <ol>
 * <li>watch which nodes commits change ({@link ChangeWatch}, opened under the writer lock so no write is half
 *     committed), and read every node with its outgoing relationships while writes go on;</li>
 * <li>read again the nodes changed meanwhile, again while writes go on, until few are left;</li>
 * <li>take the writer lock, read the last changed nodes, note the cut (the database clock, the audit log's position),
 *     release it. Every node not changed after its last read is as it is at the cut, so the backup is the graph at
 *     the cut. Writes wait only for this last pass; it is written to a private temporary file and streamed out after
 *     the lock is released, so a slow client never holds up the writers.</li>
 * </ol>
 * On an external Neo4j there is no transaction listener to ask: the whole read runs under the writer lock, which holds
 * this instance's writes (other instances writing to the same database are not held).
 */
@Component
public class GraphBackup {
    private static final Logger log = LoggerFactory.getLogger(GraphBackup.class);
    private static final AccessContext SERVICE = AccessContext.service("backup");
    /** Changed nodes few enough to read under the writer lock. */
    static final int LOCKED_PASS_MAX = 2_000;
    /** Passes while writes go on before the last one under the lock, however many nodes changed. */
    static final int UNLOCKED_PASSES_MAX = 4;
    private static final int CHUNK = 1_000;

    private final GraphReader reader;
    private final GraphWriter writer;
    private final ObjectProvider<EmbeddedNeo4j> embedded;
    private final ObjectProvider<AuditPosition> audit;
    private final Duration timeout;

    public GraphBackup(GraphReader reader, GraphWriter writer, ObjectProvider<EmbeddedNeo4j> embedded,
                       ObjectProvider<AuditPosition> audit, @Value("${caregraph.backup.timeout:6h}") Duration timeout) {
        this.reader = reader;
        this.writer = writer;
        this.embedded = embedded;
        this.audit = audit;
        this.timeout = timeout;
    }

    /**
     * What a backup took: the cut (database clock), nodes written (records, including those read again), passes after
     * the first, how long writes waited, and how it was made consistent ({@code watched} or {@code locked}).
     */
    public record Summary(String cut, long records, int passes, long pausedMillis, String consistency, long millis,
                          AuditPosition.Mark auditLog) {
    }

    /** Writes the backup stream ({@link BackupFile}) of the graph to {@code out}, which it closes. */
    public Summary write(OutputStream out) throws IOException {
        long started = System.nanoTime();
        try (BackupFile.Writer w = new BackupFile.Writer(out)) {
            w.header(Map.of("started", Instant.now().toString(), "by", "CareGraph"));
            EmbeddedNeo4j db = embedded.getIfAvailable();
            Cut cut = db == null ? lockedBackup(w) : watchedBackup(w, db);
            Summary summary = new Summary(cut.time, w.nodes, cut.passes, cut.pausedMillis, db == null ? "locked" : "watched",
                    (System.nanoTime() - started) / 1_000_000, cut.audit);
            Map<String, Object> end = new LinkedHashMap<>();
            end.put("cut", summary.cut());
            end.put("consistency", summary.consistency());
            end.put("passes", summary.passes());
            end.put("pausedMillis", summary.pausedMillis());
            end.put("auditLog", summary.auditLog() == null ? null
                    : Map.of("sequence", summary.auditLog().sequence(), "hash", summary.auditLog().hash()));
            w.end(end);
            log.info("Backup: {} node records, {} later passes, writes paused {} ms, {} ms in all", w.nodes, cut.passes,
                    cut.pausedMillis, summary.millis());
            return summary;
        }
    }

    private record Cut(String time, int passes, long pausedMillis, AuditPosition.Mark audit) {
    }

    /** No change feed (an external database): everything is read under the writer lock. */
    private Cut lockedBackup(BackupFile.Writer w) {
        return writer.exclusively(() -> {
            long locked = System.nanoTime();
            dump(w, "backup/nodes", Map.of());
            return cut(0, locked);
        });
    }

    private Cut watchedBackup(BackupFile.Writer w, EmbeddedNeo4j db) throws IOException {
        try (ChangeWatch watch = writer.exclusively(db::watchChanges)) {
            dump(w, "backup/nodes", Map.of());
            Set<String> changed = watch.drain();
            int passes = 0;
            while (changed.size() > LOCKED_PASS_MAX && passes < UNLOCKED_PASSES_MAX) {
                w.pass(++passes, false);
                reread(w, changed);
                changed = watch.drain();
            }
            int last = ++passes;
            Set<String> rest = new HashSet<>(changed);
            Path buffer = Files.createTempFile("caregraph-backup-", ".ndjson"); // owner-only: it holds PHI
            try {
                Cut cut;
                long lockedNodes;
                try (BackupFile.Writer locked = new BackupFile.Writer(new BufferedOutputStream(Files.newOutputStream(buffer)), false)) {
                    cut = writer.exclusively(() -> {
                        long start = System.nanoTime();
                        rest.addAll(watch.drain());
                        reread(locked, rest);
                        return cut(last, start);
                    });
                    lockedNodes = locked.nodes;
                }
                w.pass(last, true);
                w.append(buffer, lockedNodes);
                return cut;
            } finally {
                Files.deleteIfExists(buffer);
            }
        }
    }

    /** Under the writer lock: the database clock and the audit log's position now. */
    private Cut cut(int passes, long lockedAt) {
        String time = reader.streamAll(SERVICE, "backup/cut", Map.of(), timeout, rows -> rows.next().get("cut").asString());
        AuditPosition.Mark mark = audit.getIfAvailable() == null ? null : audit.getIfAvailable().current().orElse(null);
        return new Cut(time, passes, (System.nanoTime() - lockedAt) / 1_000_000, mark);
    }

    private void dump(BackupFile.Writer w, String query, Map<String, ?> params) {
        reader.streamAll(SERVICE, query, params, timeout, rows -> {
            write(w, rows, null);
            return null;
        });
    }

    /** The nodes {@code ids} read again; those no longer there are written as gone. */
    private void reread(BackupFile.Writer w, Set<String> ids) {
        List<String> all = new ArrayList<>(ids);
        for (int i = 0; i < all.size(); i += CHUNK) {
            List<String> chunk = all.subList(i, Math.min(all.size(), i + CHUNK));
            Set<String> found = new HashSet<>();
            reader.streamAll(SERVICE, "backup/nodes-by-id", Map.of("ids", chunk), timeout, rows -> {
                write(w, rows, found);
                return null;
            });
            try {
                for (String id : chunk) if (!found.contains(id)) w.gone(id);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void write(BackupFile.Writer w, Iterator<Record> rows, Set<String> found) {
        try {
            while (rows.hasNext()) {
                Record r = rows.next();
                w.node(r);
                if (found != null) found.add(r.get("id").asString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
