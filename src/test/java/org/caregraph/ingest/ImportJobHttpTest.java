package org.caregraph.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.caregraph.GraphTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.FileSystemUtils;

/** The HTTP import job API through real HTTP: start, poll, error report, and the confinement of paths and URLs. */
class ImportJobHttpTest extends GraphTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Path root = Path.of("target/test-import-root").toAbsolutePath();

    @BeforeEach
    void setUp() throws IOException {
        clearGraph();
        FileSystemUtils.deleteRecursively(root);
        Files.createDirectories(root.resolve("batch1"));
        Files.writeString(root.resolve("batch1/Patient.ndjson"),
                "{\"resourceType\":\"Patient\",\"id\":\"h1\"}\n{\"resourceType\":\"Nope\",\"id\":\"h2\"}\n"
                        + "{\"resourceType\":\"Patient\",\"id\":\"h3\"}\n");
    }

    private HttpResponse<String> post(String body) throws Exception {
        return http.send(authorized(URI.create("http://127.0.0.1:" + httpPort + "/import"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(authorized(URI.create("http://127.0.0.1:" + httpPort + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode awaitDone(String id) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            JsonNode job = JSON.readTree(get("/import/" + id).body());
            String status = job.get("status").asText();
            if (!status.equals("QUEUED") && !status.equals("RUNNING")) return job;
            Thread.sleep(100);
        }
        throw new AssertionError("import job " + id + " did not finish");
    }

    @Test
    void aJobImportsAPathUnderTheRootAndReportsCountsAndErrors() throws Exception {
        HttpResponse<String> started = post("{\"inputs\": [\"batch1\"]}");
        assertThat(started.statusCode()).isEqualTo(202);
        String id = JSON.readTree(started.body()).get("id").asText();
        assertThat(started.headers().firstValue("Location")).hasValue("/import/" + id);

        JsonNode done = awaitDone(id);
        assertThat(done.get("status").asText()).isEqualTo("COMPLETED_WITH_ERRORS");
        assertThat(done.get("files").asLong()).isEqualTo(1);
        assertThat(done.get("imported").asLong()).isEqualTo(2);
        assertThat(done.get("failed").asLong()).isEqualTo(1);
        assertThat(stats.read().resources()).containsEntry("Patient", 2L);

        HttpResponse<String> errors = get("/import/" + id + "/errors");
        assertThat(errors.statusCode()).isEqualTo(200);
        JsonNode line = JSON.readTree(errors.body().lines().findFirst().orElseThrow());
        assertThat(line.get("file").asText()).isEqualTo("batch1/Patient.ndjson");
        assertThat(line.get("line").asLong()).isEqualTo(2);
        assertThat(line.at("/outcome/issue/0/code").asText()).isEqualTo("not-supported");

        assertThat(get("/import/no-such-job").statusCode()).isEqualTo(404);
    }

    @Test
    void pathsOutsideTheRootAreRefusedBeforeAnythingRuns() throws Exception {
        Path outside = Files.createTempDirectory("outside");
        Files.writeString(outside.resolve("secret.ndjson"), "{\"resourceType\":\"Patient\",\"id\":\"leak\"}\n");
        Files.createSymbolicLink(root.resolve("escape"), outside);
        Files.createSymbolicLink(root.resolve("batch1/link.ndjson"), outside.resolve("secret.ndjson"));
        for (String input : new String[] {"../pom.xml", "batch1/../../pom.xml", outside.toString(), "escape",
                "escape/secret.ndjson", "batch1", "missing.ndjson", "file:///etc/passwd", "ftp://127.0.0.1/x.ndjson",
                "http://127.0.0.1:18931/elsewhere/x.ndjson", "http://user:pw@127.0.0.1:18931/allowed/x.ndjson"}) {
            HttpResponse<String> r = post("{\"inputs\": [\"" + input.replace("\\", "\\\\") + "\"]}");
            assertThat(r.statusCode()).as(input).isEqualTo(400);
            JsonNode outcome = JSON.readTree(r.body());
            assertThat(outcome.get("resourceType").asText()).isEqualTo("OperationOutcome");
            assertThat(outcome.at("/issue/0/diagnostics").asText()).as(input).isNotBlank();
        }
        assertThat(post("{}").statusCode()).isEqualTo(400);
        assertThat(stats.read().resources()).isEmpty();
    }

    @Test
    void aUrlUnderAnAllowedPrefixIsFetchedAndImported() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 18931), 0);
        byte[] body = "{\"resourceType\":\"Patient\",\"id\":\"u1\"}\n".getBytes(StandardCharsets.UTF_8);
        server.createContext("/allowed/", ex -> {
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            String id = JSON.readTree(post("{\"inputs\": [\"http://127.0.0.1:18931/allowed/Patient.ndjson\"]}").body()).get("id").asText();
            JsonNode done = awaitDone(id);
            assertThat(done.get("status").asText()).isEqualTo("COMPLETED");
            assertThat(done.get("imported").asLong()).isEqualTo(1);
            assertThat(single("MATCH (p:Patient {id:'u1'}) RETURN count(p) AS c").get("c")).isEqualTo(1L);
        } finally {
            server.stop(0);
        }
    }

}
