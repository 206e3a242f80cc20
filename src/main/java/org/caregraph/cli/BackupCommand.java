package org.caregraph.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.caregraph.admin.BackupFile;
import org.caregraph.admin.GraphBackup;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.json.JsonMapper;

@Command(name = "backup", mixinStandardHelpOptions = true,
        description = {"Back up the whole store (every resource with its version history and deletions, concepts, "
                + "identifiers, users, clients: every node and relationship of the graph) into DIR: graph.ndjson.gz and "
                + "manifest.json. With --server, through a running server without stopping it (a consistent cut: writes "
                + "wait only while the last changed nodes are read); else from the data directory or NEO4J_URI.",
                "Exit status: 0 backed up, 1 failed (DIR then holds no backup)."})
public class BackupCommand implements Callable<Integer> {
    static final String FILE = "graph.ndjson.gz";
    static final String MANIFEST = "manifest.json";

    @Parameters(index = "0", paramLabel = "DIR", description = "A new or empty directory.")
    Path dir;

    @Mixin
    GraphOptions graph;

    @Mixin
    AdminClient admin;

    @Override
    public Integer call() throws Exception {
        if (Files.isDirectory(dir)) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    System.err.println("caregraph backup: " + dir + " is not empty");
                    return 1;
                }
            }
        }
        // it holds every patient's record: owner-only, as a data directory
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir.toAbsolutePath().getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        long start = System.nanoTime();
        Path part = dir.resolve(FILE + ".part");
        String source;
        try {
            if (admin.remote()) {
                source = admin.server.toString();
                try (InputStream in = admin.get("/admin/backup", "application/gzip")) {
                    Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
                }
            } else {
                source = graph.describe();
                try (ConfigurableApplicationContext ctx = graph.startQuiet(); OutputStream out = Files.newOutputStream(part)) {
                    ctx.getBean(GraphBackup.class).write(out);
                }
            }
            BackupFile.Reader backup = new BackupFile.Reader(part); // refuses a cut-off stream (no trailer)
            Path file = dir.resolve(FILE);
            Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
            Map<String, Object> manifest = manifest(backup, file, source);
            Files.writeString(dir.resolve(MANIFEST), JsonMapper.builder().build().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(manifest));
            System.out.printf("Backed up %,d nodes and %,d relationships to %s in %.1f s (cut %s, writes paused %s ms, %s)%n",
                    backup.nodes(), backup.totalRelationships(), dir, (System.nanoTime() - start) / 1e9,
                    backup.end().path("cut").asText(), backup.end().path("pausedMillis").asText(),
                    backup.end().path("consistency").asText());
            return 0;
        } catch (Exception e) {
            Files.deleteIfExists(part);
            if (AdminClient.storeInUse(e)) {
                System.err.println("caregraph backup: a server holds " + graph.describe() + "; back it up through it: "
                        + "caregraph backup " + dir + " --server http://127.0.0.1:8080 (with a token: --token or CAREGRAPH_TOKEN)");
            } else {
                System.err.println("caregraph backup: " + e.getMessage());
            }
            return 1;
        }
    }

    /** What manifest.json says: where and when the cut is, what the file holds, its checksum. */
    private static Map<String, Object> manifest(BackupFile.Reader backup, Path file, String source) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", backup.header().path("format").asInt());
        m.put("file", FILE);
        m.put("bytes", Files.size(file));
        m.put("sha256", sha256(file));
        m.put("source", source);
        m.put("created", Instant.now().toString());
        m.put("cut", backup.end().path("cut").asText());
        m.put("consistency", backup.end().path("consistency").asText());
        m.put("passes", backup.end().path("passes").asInt());
        m.put("pausedMillis", backup.end().path("pausedMillis").asLong());
        m.put("auditLog", backup.end().get("auditLog") == null || backup.end().get("auditLog").isNull() ? null
                : Map.of("sequence", backup.end().get("auditLog").path("sequence").asLong(),
                        "hash", backup.end().get("auditLog").path("hash").asText()));
        m.put("nodes", backup.nodes());
        m.put("relationships", backup.totalRelationships());
        m.put("nodesPerLabel", backup.labels());
        m.put("relationshipsPerType", backup.relationships());
        return m;
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
