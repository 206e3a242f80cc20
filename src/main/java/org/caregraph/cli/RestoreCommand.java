package org.caregraph.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.caregraph.admin.BackupFile;
import org.caregraph.admin.GraphRestore;
import org.caregraph.graph.GraphStats;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restore a backup (a directory `caregraph backup` wrote) into an empty store: a new data directory "
                + "(--data-dir), or an empty external Neo4j database (--neo4j-uri / NEO4J_URI). The file is checked "
                + "against its manifest first; afterwards the graph's nodes per label and relationships per type are "
                + "compared with the backup's. Signing keys and the audit log are not in a backup: a restored server "
                + "makes new keys (clients get new tokens); the manifest says up to which audit record the graph goes.",
                "Exit status: 0 restored, 1 refused or failed (a failed restore leaves a partial store: start again "
                        + "from an empty one)."})
public class RestoreCommand implements Callable<Integer> {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Parameters(index = "0", paramLabel = "DIR", description = "The backup directory (graph.ndjson.gz, manifest.json).")
    Path dir;

    @Mixin
    GraphOptions graph;

    @Option(names = "--json", description = "Print the outcome, with the restored store's stats, as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path file = dir.resolve(BackupCommand.FILE);
        Path manifestFile = dir.resolve(BackupCommand.MANIFEST);
        if (!Files.isRegularFile(file) || !Files.isRegularFile(manifestFile)) {
            System.err.println("caregraph restore: " + dir + " holds no backup (" + BackupCommand.FILE + ", " + BackupCommand.MANIFEST + ")");
            return 1;
        }
        long start = System.nanoTime();
        JsonNode manifest = JSON.readTree(manifestFile.toFile());
        String sha = BackupCommand.sha256(file);
        if (!sha.equals(manifest.path("sha256").asString())) {
            System.err.println("caregraph restore: " + file + " is not the file its manifest describes (SHA-256 " + sha + ")");
            return 1;
        }
        BackupFile.Reader backup;
        try {
            backup = new BackupFile.Reader(file);
        } catch (RuntimeException e) {
            System.err.println("caregraph restore: " + e.getMessage());
            return 1;
        }
        // the SQL store stays off: restored nodes are written as they were, not as changes it would follow, so the
        // first server on the restored store builds its tables from the graph (a store left there is marked stale)
        try (ConfigurableApplicationContext ctx = graph.startQuiet("--caregraph.sql.enabled=false")) {
            GraphRestore.Result result = ctx.getBean(GraphRestore.class).restore(backup, line -> System.err.println("  " + line));
            GraphStats.Stats stats = ctx.getBean(GraphStats.class).read();
            double seconds = (System.nanoTime() - start) / 1e9;
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("nodes", result.nodes());
                out.put("relationships", result.relationships());
                out.put("cut", manifest.path("cut").asString());
                out.put("seconds", Math.round(seconds * 10) / 10.0);
                out.put("stats", stats);
                System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out));
            } else {
                System.out.printf("Restored %,d nodes and %,d relationships (%,d resources; the store as of %s) into %s in %.1f s%n",
                        result.nodes(), result.relationships(), stats.totalResources(), manifest.path("cut").asString(),
                        graph.describe(), seconds);
            }
            return 0;
        } catch (RuntimeException e) {
            System.err.println("caregraph restore: " + e.getMessage());
            return 1;
        }
    }
}
