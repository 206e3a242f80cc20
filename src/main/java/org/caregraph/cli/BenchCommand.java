package org.caregraph.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.caregraph.graph.Cypher;
import org.caregraph.graph.EmbeddedNeo4j;
import org.caregraph.graph.GraphSchema;
import org.caregraph.ingest.ErrorReport;
import org.caregraph.ingest.ImportInput;
import org.caregraph.ingest.ImportProgress;
import org.caregraph.ingest.Importer;
import org.neo4j.driver.Driver;
import org.neo4j.graphdb.GraphDatabaseService;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.json.JsonMapper;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Import benchmark: imports PATH into a fresh embedded graph --runs times and reports the median "
                + "resources/s, the re-import (idempotent, nothing changes) rate, peak heap, and a same-process baseline: "
                + "as many plain nodes (same payload size) and relationships as the import stored, written the way "
                + "the writer writes (in-process)."})
public class BenchCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "PATH")
    List<Path> paths;

    @Option(names = "--runs", defaultValue = "3")
    int runs;

    @Option(names = "--batch-size", defaultValue = "2000")
    int batchSize;

    @Option(names = "--work-dir", defaultValue = "target/bench", description = "Scratch directory for the graphs.")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        List<ImportInput> inputs = new ArrayList<>();
        for (Path p : paths) inputs.addAll(ImportInput.expand(p, p.toString()));
        double[] importRate = new double[runs];
        double[] reimportRate = new double[runs];
        double[] baselineRate = new double[runs];
        long[] peakHeap = new long[runs];
        long resources = 0;
        for (int run = 0; run < runs; run++) {
            Path dir = workDir.resolve("run-" + run);
            FileSystemUtils.deleteRecursively(dir);
            Files.createDirectories(dir);
            GraphOptions graph = new GraphOptions();
            graph.dataDir = dir.resolve("graph");
            graph.boltPort = 0;
            try (ConfigurableApplicationContext ctx = graph.startQuiet("--caregraph.import.batch-size=" + batchSize);
                 ErrorReport errors = new ErrorReport(dir.resolve("errors.ndjson"))) {
                Importer importer = ctx.getBean(Importer.class);
                System.gc();
                HeapSampler heap = new HeapSampler();
                ImportProgress first = importer.run(inputs, errors, p -> { });
                peakHeap[run] = heap.stop();
                ImportProgress again = importer.run(inputs, errors, p -> { });
                importRate[run] = first.perSecond();
                reimportRate[run] = again.perSecond();
                resources = first.imported();
                ctx.getBean(GraphSchema.class).apply("bench-schema");
                baselineRate[run] = baseline(ctx.getBean(Driver.class), ctx.getBean(EmbeddedNeo4j.class).database());
                System.err.printf("run %d: import %,.0f resources/s (%,d in %.1f s, %d rejected), re-import %,.0f/s, "
                                + "baseline %,.0f resources/s, peak heap %d MB%n", run + 1, importRate[run], first.imported(),
                        first.seconds(), first.failed(), reimportRate[run], baselineRate[run], peakHeap[run] >> 20);
            }
            FileSystemUtils.deleteRecursively(dir);
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("resources", resources);
        report.put("runs", runs);
        report.put("importResourcesPerSecondMedian", Math.round(BenchMath.median(importRate)));
        report.put("reimportResourcesPerSecondMedian", Math.round(BenchMath.median(reimportRate)));
        report.put("baselineResourcesPerSecondMedian", Math.round(BenchMath.median(baselineRate)));
        report.put("importToBaselineRatio", Math.round(100 * BenchMath.median(importRate) / BenchMath.median(baselineRate)) / 100.0);
        report.put("peakHeapMBMax", Arrays.stream(peakHeap).max().orElse(0) >> 20);
        report.put("maxHeapMB", Runtime.getRuntime().maxMemory() >> 20);
        report.put("cores", Runtime.getRuntime().availableProcessors());
        System.out.println(JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(report));
        return 0;
    }

    /**
     * Resources/s of the baseline: as many plain nodes (same payload size) and plain relationships as the import
     * stored, with the same batch size, written the way the writer writes (in-process into the embedded store, see
     * GraphWriter). What the import costs beyond this is the product's own work (validation, search values, NLP, MERGE,
     * concepts, placeholders, journeys).
     */
    private double baseline(Driver driver, GraphDatabaseService db) {
        long resources;
        int jsonLength;
        long relationships;
        try (var s = driver.session()) {
            var size = s.run(Cypher.query("bench-graph-size")).single();
            resources = size.get("resources").asLong();
            jsonLength = size.get("length").asInt(1000);
            relationships = size.get("relationships").asLong();
        }
        String payload = "x".repeat(Math.max(1, jsonLength));
        long start = System.nanoTime();
        for (long i = 0; i < resources; i += batchSize) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (long k = i; k < Math.min(resources, i + batchSize); k++) rows.add(Map.of("key", "b" + k, "json", payload));
            db.executeTransactionally(Cypher.query("bench-baseline"), Map.of("rows", rows));
        }
        // relationship batches as large as the import's (a resource brings ~relationships/resources of them)
        long perBatch = Math.max(batchSize, batchSize * relationships / Math.max(1, resources));
        java.util.Random random = new java.util.Random(42);
        for (long i = 0; i < relationships; i += perBatch) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (long k = i; k < Math.min(relationships, i + perBatch); k++) {
                rows.add(Map.of("from", "b" + (k % resources), "to", "b" + random.nextLong(resources)));
            }
            db.executeTransactionally(Cypher.query("bench-baseline-relationships"), Map.of("rows", rows));
        }
        return resources / ((System.nanoTime() - start) / 1e9);
    }

    /** Highest heap use seen (sampled every 50 ms) while an import runs: garbage included, so an upper bound. */
    private static final class HeapSampler {
        private final java.util.concurrent.atomic.AtomicLong max = new java.util.concurrent.atomic.AtomicLong();
        private final Thread thread = Thread.ofPlatform().daemon().name("bench-heap").start(() -> {
            var memory = ManagementFactory.getMemoryMXBean();
            while (!Thread.currentThread().isInterrupted()) {
                max.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });

        long stop() {
            thread.interrupt();
            return max.get();
        }
    }
}
