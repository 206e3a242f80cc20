package org.caregraph.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.caregraph.CliProcess;
import org.caregraph.Fixtures;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server process under concurrent FHIR creates, updates, deletes and transactions, with an import job and a Bulk
 * export running, is killed with SIGKILL and started again on the same data directory: every write acknowledged
 * before the kill is there and no transaction is half there (WriteLoad's model); the import job runs again by itself
 * and ends with every resource of its input stored once, at version 1; the export job has failed cleanly (no partial
 * file left) and a new one exports every resource once; and caregraph check finds the store clean.
 */
class CrashSafetyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PROGRESS = Pattern.compile("(\\d+) of (\\d+) types done");
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir Path dir;

    @Test
    void aServerKilledUnderLoadComesBackWithEveryAcknowledgedWriteAndNothingHalf() throws Exception {
        assertThat(GraphTest.SYNTHEA).as("the Synthea fixture in the repository").isDirectory();
        Path imports = Files.createDirectories(dir.resolve("import"));
        Map<String, Long> population = Fixtures.copies(imports.resolve("population.ndjson"), 5);
        Path data = dir.resolve("graph");
        // small import batches, so the import is still running when the server is killed; the notes' NLP (tested on
        // its own) would only make the import slower
        Map<String, String> env = Map.of("CAREGRAPH_IMPORT_ROOT", imports.toString(), "CAREGRAPH_IMPORT_BATCH_SIZE", "100",
                "CAREGRAPH_NLP_ENABLED", "false");

        CliProcess.Server server = CliProcess.serve(dir, data, env);
        WriteLoad load;
        String importJob;
        String killedExport;
        try {
            load = new WriteLoad(server.url(), server.token(), 4, "ld");
            load.start();
            importJob = JSON.readTree(send(server, "POST", "/import", "{\"inputs\": [\"population.ndjson\"]}", "application/json")
                    .body()).get("id").asText();
            waitFor(() -> json(server, "/import/" + importJob).get("written").asLong() >= 1000 && load.acknowledged() >= 20,
                    () -> json(server, "/import/" + importJob) + ", " + load.acknowledged() + " FHIR writes acknowledged "
                            + load.failures());
            killedExport = exportUnderWay(server);
            assertThat(json(server, "/import/" + importJob).get("status").asText()).as("the import is under way").isEqualTo("RUNNING");
            server.kill();
        } catch (Throwable e) {
            server.kill();
            throw new AssertionError(server.log(), e);
        }
        load.stop();

        CliProcess.Server again = CliProcess.serve(dir, data, env);
        try {
            // the import job runs again by itself, under its id, and stores every resource of its input once
            waitFor(() -> json(again, "/import/" + importJob).get("status").asText().startsWith("COMPLETED"),
                    () -> json(again, "/import/" + importJob).toString());
            JsonNode killedImport = json(again, "/import/" + importJob);
            assertThat(killedImport.get("status").asText()).isEqualTo("COMPLETED");
            assertThat(killedImport.get("resumed").asInt()).isEqualTo(1);
            // the population's ids start with c<copy>; so may an id the server gave a resource the load POSTed: those
            // carry the load's identifier
            JsonNode stored = cypher(again, "MATCH (n:Resource) WHERE n.id =~ 'c[0-9].*' AND n.placeholder IS NULL "
                    + "AND NOT EXISTS { (n)-[:IDENTIFIED_BY]->(i:Identifier) WHERE i.key CONTAINS '|" + WriteLoad.SYSTEM + "|' } "
                    + "RETURN n.resourceType AS type, count(*) AS n, max(n.versionId) AS newest ORDER BY type");
            Map<String, Long> counted = new TreeMap<>();
            for (JsonNode row : stored) {
                counted.put(row.get(0).asText(), row.get(1).asLong());
                assertThat(row.get(2).asLong()).as("%s imported once: version 1", row.get(0)).isEqualTo(1);
            }
            assertThat(counted).isEqualTo(population);

            // every acknowledged write, whole transactions only
            load.verify(new HttpStore(again));

            // the export the kill interrupted failed cleanly; a new one exports every resource once
            HttpResponse<String> failed = send(again, "GET", "/export/" + killedExport, null, null);
            assertThat(failed.statusCode()).as(failed.body()).isEqualTo(500);
            assertThat(failed.body()).contains("the server stopped during the export");
            try (var files = Files.list(data.resolve("export").resolve(killedExport))) {
                assertThat(files.map(f -> f.getFileName().toString()).toList()).containsExactly("job.json");
            }
            exportHoldsEveryResourceOnce(again);

            CliProcess.Result check = CliProcess.inProcess("check", "--server", again.url(), "--token", again.token());
            assertThat(check.exit()).as(check.output()).isZero();
        } catch (Throwable e) {
            throw new AssertionError(again.log(), e);
        } finally {
            again.stop();
        }
    }

    /** Kicks off system exports until one is seen part-way (a type written, more to go): its id. */
    private String exportUnderWay(CliProcess.Server server) throws Exception {
        for (int attempt = 0; attempt < 10; attempt++) {
            HttpResponse<String> kickoff = send(server, "GET", "/fhir/$export", null, null, "Prefer", "respond-async");
            assertThat(kickoff.statusCode()).as(kickoff.body()).isEqualTo(202);
            String status = kickoff.headers().firstValue("Content-Location").orElseThrow();
            String id = status.substring(status.lastIndexOf('/') + 1);
            while (true) {
                HttpResponse<String> poll = send(server, "GET", "/export/" + id, null, null);
                if (poll.statusCode() != 202) break; // done before we caught it: try again
                Matcher m = PROGRESS.matcher(poll.headers().firstValue("X-Progress").orElse(""));
                if (m.find() && Integer.parseInt(m.group(1)) >= 1 && Integer.parseInt(m.group(1)) < Integer.parseInt(m.group(2))) {
                    return id;
                }
                Thread.sleep(5);
            }
        }
        throw new AssertionError("no export was caught part-way");
    }

    private void exportHoldsEveryResourceOnce(CliProcess.Server server) throws Exception {
        HttpResponse<String> kickoff = send(server, "GET", "/fhir/$export", null, null, "Prefer", "respond-async");
        String status = kickoff.headers().firstValue("Content-Location").orElseThrow();
        String id = status.substring(status.lastIndexOf('/') + 1);
        waitFor(() -> send(server, "GET", "/export/" + id, null, null).statusCode() == 200,
                () -> send(server, "GET", "/export/" + id, null, null).headers().map().toString());
        JsonNode manifest = JSON.readTree(send(server, "GET", "/export/" + id, null, null).body());
        Map<String, Long> exported = new TreeMap<>();
        for (JsonNode output : manifest.get("output")) {
            String body = send(server, "GET", URI.create(output.get("url").asText()).getPath(), null, null).body();
            Set<String> ids = new HashSet<>();
            long lines = 0;
            for (String line : body.split("\n")) {
                if (line.isBlank()) continue;
                lines++;
                assertThat(ids.add(JSON.readTree(line).get("id").asText())).as("exported once: %s", line.substring(0, 80)).isTrue();
            }
            assertThat(lines).isEqualTo(output.get("count").asLong());
            exported.merge(output.get("type").asText(), lines, Long::sum);
        }
        Map<String, Long> current = new TreeMap<>();
        for (JsonNode row : cypher(server, "MATCH (n:Resource) WHERE n.placeholder IS NULL AND n.deleted IS NULL "
                + "RETURN n.resourceType AS type, count(*) AS n")) {
            current.put(row.get(0).asText(), row.get(1).asLong());
        }
        assertThat(exported).isEqualTo(current);
    }

    /** The restarted server read over FHIR, for WriteLoad's model. */
    private final class HttpStore implements WriteLoad.Store {
        private final CliProcess.Server server;

        HttpStore(CliProcess.Server server) {
            this.server = server;
        }

        @Override
        public WriteLoad.Seen read(String key) throws Exception {
            HttpResponse<String> r = send(server, "GET", "/fhir/" + key, null, null);
            if (r.statusCode() == 404) return WriteLoad.Seen.ABSENT;
            if (r.statusCode() == 410) return WriteLoad.Seen.DELETED;
            assertThat(r.statusCode()).as(key + ": " + r.body()).isEqualTo(200);
            JsonNode resource = JSON.readTree(r.body());
            return new WriteLoad.Seen(true, false, resource.path("meta").path("versionId").asLong(), WriteLoad.marker(resource));
        }

        @Override
        public long count(String type, String identifier) throws Exception {
            String q = URLEncoder.encode(WriteLoad.SYSTEM + "|" + identifier, StandardCharsets.UTF_8);
            JsonNode bundle = JSON.readTree(send(server, "GET", "/fhir/" + type + "?identifier=" + q, null, null).body());
            return bundle.path("entry").size();
        }
    }

    private JsonNode cypher(CliProcess.Server server, String query) throws Exception {
        HttpResponse<String> r = send(server, "POST", "/cypher", JSON.writeValueAsString(Map.of("query", query)), "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).get("rows");
    }

    private JsonNode json(CliProcess.Server server, String path) {
        try {
            return JSON.readTree(send(server, "GET", path, null, null).body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> send(CliProcess.Server server, String method, String path, String body, String type,
                                      String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofMinutes(2))
                .header("Authorization", "Bearer " + server.token()).header("Accept", "application/fhir+json, application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (type != null) b.header("Content-Type", type);
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private interface Probe<T> {
        T get() throws Exception;
    }

    /** Polls until {@code condition} holds; after 5 minutes fails, saying what {@code state} then is. */
    private static void waitFor(Probe<Boolean> condition, Probe<String> state) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) throw new AssertionError("waited too long: " + state.get());
            Thread.sleep(100);
        }
    }
}
