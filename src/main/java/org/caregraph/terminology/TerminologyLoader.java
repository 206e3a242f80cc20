package org.caregraph.terminology;

import org.caregraph.security.AccessContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.caregraph.graph.GraphWriter;
import org.caregraph.graph.GraphWriter.ConceptWriteResult;
import org.caregraph.ingest.ErrorReport;
import org.caregraph.ingest.ImportProgress;
import org.springframework.stereotype.Component;

/**
 * Loads a terminology file into the Concept nodes through the single writer, in batches (one transaction each):
 * concepts first, then the IS_A edges between them. Lines that cannot be read go to the error report with their file
 * and line; the load goes on.
 */
@Component
public class TerminologyLoader {
    /** Terminology loads are the server's own work (the CLI), unconfined. */
    private static final AccessContext SERVICE = AccessContext.service("terminology");

    static final int CONCEPT_BATCH = 5_000;
    static final int EDGE_BATCH = 10_000;
    /** Default slice of a file whose concepts are grouped in memory at once (SNOMED descriptions, RXNCONSO). */
    public static final long DEFAULT_BYTES_PER_PASS = 256L << 20;

    private final GraphWriter writer;

    public TerminologyLoader(GraphWriter writer) {
        this.writer = writer;
    }

    /** What a load did. {@code rows}: concept rows read; IS_A edges whose ends are not both loaded are {@code edgesMissing}. */
    public record Result(long rows, long created, long updated, long unchanged, long edges, long edgesCreated,
                         long edgesExisting, long edgesMissing, long badLines, double seconds) {
        public double rowsPerSecond() {
            return seconds <= 0 ? 0 : rows / seconds;
        }
    }

    public Result load(Terminology terminology, Path path, long bytesPerPass, ErrorReport errors,
                       Consumer<ImportProgress> progress) throws IOException {
        Batches batches = new Batches(terminology.system(), errors, progress);
        terminology.reader(bytesPerPass).read(path, batches);
        batches.flush();
        return batches.result();
    }

    private record Edge(String child, String parent) {
    }

    /** The sink the readers write into: buffers rows, writes a batch when it is full. */
    private final class Batches implements TerminologySink {
        private final String system;
        private final ErrorReport errors;
        private final Consumer<ImportProgress> progress;
        private final long start = System.nanoTime();
        private final Map<String, Map<String, Object>> concepts = new LinkedHashMap<>();
        private final Set<Edge> edges = new LinkedHashSet<>();
        private long rows, created, updated, unchanged, edgeCount, edgesCreated, edgesExisting, edgesMissing, bad;

        Batches(String system, ErrorReport errors, Consumer<ImportProgress> progress) {
            this.system = system;
            this.errors = errors;
            this.progress = progress;
        }

        @Override
        public void concept(ConceptRow row) {
            // a key twice in one batch would be counted twice: the earlier row is written first
            if (concepts.containsKey(row.key())) flushConcepts();
            concepts.put(row.key(), row.parameters());
            rows++;
            if (concepts.size() >= CONCEPT_BATCH) flushConcepts();
        }

        @Override
        public void isA(String childCode, String parentCode) {
            flushConcepts(); // both ends must be stored before an edge is
            if (edges.add(new Edge(system + "|" + childCode, system + "|" + parentCode))) edgeCount++;
            if (edges.size() >= EDGE_BATCH) flushEdges();
        }

        @Override
        public void bad(Path file, long line, String reason) {
            errors.add(file.toString(), line, null, null, "structure", reason, null);
            bad++;
            report();
        }

        void flush() {
            flushConcepts();
            flushEdges();
        }

        private void flushConcepts() {
            if (concepts.isEmpty()) return;
            add(writer.writeConcepts(SERVICE, new ArrayList<>(concepts.values()), List.of()));
            concepts.clear();
        }

        private void flushEdges() {
            if (edges.isEmpty()) return;
            List<Map<String, Object>> params = new ArrayList<>(edges.size());
            for (Edge e : edges) params.add(Map.of("child", e.child(), "parent", e.parent()));
            add(writer.writeConcepts(SERVICE, List.of(), params));
            edges.clear();
        }

        private void add(ConceptWriteResult r) {
            created += r.created();
            updated += r.updated();
            unchanged += r.unchanged();
            edgesCreated += r.edgesCreated();
            edgesExisting += r.edgesExisting();
            edgesMissing += r.edgesMissing();
            report();
        }

        private double seconds() {
            return (System.nanoTime() - start) / 1e9;
        }

        private void report() {
            progress.accept(new ImportProgress(created + updated + unchanged + bad, created + updated, unchanged, bad, 1, seconds()));
        }

        Result result() {
            return new Result(rows, created, updated, unchanged, edgeCount, edgesCreated, edgesExisting, edgesMissing, bad, seconds());
        }
    }
}
