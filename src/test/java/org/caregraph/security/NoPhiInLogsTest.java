package org.caregraph.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.util.FileSystemUtils;

/**
 * No PHI in the logs: the Synthea fixture is imported through an HTTP import job (with a malformed file of PHI beside
 * it), read and searched through FHIR, GraphQL, /cypher and /nlp, and then sent in every kind of bad request the APIs
 * and Tomcat refuse, and without a token or with too few scopes; neither the application's log output nor the embedded Neo4j's own logs may then contain any name,
 * identifier, contact or note line of the fixture (taken from the fixture itself, see {@link FixturePhi}).
 */
@ExtendWith(OutputCaptureExtension.class)
class NoPhiInLogsTest extends GraphTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void importsSearchesAndErrorsLeaveNoPhiInTheLogs(CapturedOutput output) throws Exception {
        requireFixture();
        FixturePhi phi = FixturePhi.of(SYNTHEA);
        assertThat(phi.names()).contains("Cordie578", "Bechtelar572");
        assertThat(phi.identifiers()).contains("999-93-4678");
        assertThat(phi.noteLines()).isNotEmpty();
        Path neo4jLogs = embedded.home().resolve("logs");
        long neo4jLogFrom = Files.size(neo4jLogs.resolve("debug.log"));

        JsonNode patient = firstPatient();
        String id = patient.get("id").asText();
        String family = patient.at("/name/0/family").asText();
        String ssn = "";
        for (JsonNode identifier : patient.path("identifier")) {
            if (identifier.path("system").asText().endsWith("us-ssn")) ssn = identifier.path("value").asText();
        }
        String note = phi.noteLines().iterator().next();

        clearGraph();
        importThroughAJob(family, ssn);

        // reads and searches on every API
        List<HttpResponse<String>> ok = new ArrayList<>();
        ok.add(get("/fhir/Patient?family=" + enc(family)));
        ok.add(get("/fhir/Patient?identifier=" + enc("http://hl7.org/fhir/sid/us-ssn|" + ssn)));
        ok.add(get("/fhir/Patient/" + id));
        ok.add(get("/fhir/Patient/" + id + "/$everything"));
        ok.add(get("/fhir/DocumentReference?patient=" + id + "&_revinclude=Provenance:target"));
        ok.add(post("/graphql", "application/json", JSON.writeValueAsString(java.util.Map.of("query",
                "{ patient(id: \"" + id + "\") { name journey(first: 5) { edges { node { type time display } } } } }"))));
        ok.add(post("/cypher", "application/json", JSON.writeValueAsString(java.util.Map.of("query",
                "MATCH (p:Patient) WHERE p.json CONTAINS '" + family + "' RETURN p.id"))));
        ok.add(post("/nlp", "text/plain", note + " Denies chest pain."));
        for (HttpResponse<String> r : ok) assertThat(r.statusCode()).as(r.uri().toString()).isEqualTo(200);

        // errors whose input carries PHI
        List<HttpResponse<String>> refused = new ArrayList<>();
        refused.add(post("/fhir/Patient", "application/fhir+json",
                "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"" + family + "\"}],\"birthDate\":\"" + ssn + "\"}"));
        refused.add(post("/fhir/Patient", "application/fhir+json", "{\"resourceType\":\"Patient\",\"name\":" + family));
        refused.add(put("/fhir/Patient/" + id, "{\"resourceType\":\"Patient\",\"id\":\"" + family + "\"}"));
        refused.add(get("/fhir/Patient?birthdate=" + enc(family)));
        refused.add(get("/fhir/Patient?" + enc(family) + "=" + enc(ssn)));
        // a value without a name: Tomcat's exception quotes it (HAPI logged that at ERROR)
        refused.add(get("/fhir/Patient?=" + enc(family) + "&gender=female"));
        refused.add(post("/fhir", "application/fhir+json", "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":"
                + "[{\"resource\":{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"" + family + "\"}],\"gender\":\""
                + ssn + "\"},\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}]}"));
        refused.add(post("/cypher", "application/json", "{\"query\": " + family + "}"));
        refused.add(post("/cypher", "application/json", JSON.writeValueAsString(java.util.Map.of("query",
                "MATCH (p:Patient {family: '" + family + "'}) RETURN p.id AS"))));
        refused.add(post("/cypher", "application/json", JSON.writeValueAsString(java.util.Map.of("query",
                "CREATE (:Patient {ssn: '" + ssn + "'})"))));
        refused.add(post("/import", "application/json", "{\"inputs\": [\"../" + family + "/" + ssn + "\"]}"));
        refused.add(post("/nlp", "application/json", "{\"text\": " + family + "}"));
        refused.add(get("/no-such-page/" + family));
        refused.add(get("/import/" + enc(ssn)));
        for (HttpResponse<String> r : refused) {
            assertThat(r.statusCode()).as(r.uri() + " " + r.body()).isBetween(400, 499);
        }
        // denials: no token, a forged one, one whose scopes do not cover the search
        String search = "/fhir/Patient?family=" + enc(family) + "&identifier=" + enc(ssn);
        assertThat(send(HttpRequest.newBuilder(uri(search)), null).statusCode()).isEqualTo(401);
        assertThat(send(HttpRequest.newBuilder(uri(search)), family + "." + ssn + ".x").statusCode()).isEqualTo(401);
        String observationsOnly = token("no-phi-in-logs", null, null, List.of("system/Observation.rs"));
        assertThat(send(HttpRequest.newBuilder(uri(search)), observationsOnly).statusCode()).isEqualTo(403);
        // GraphQL answers a query it cannot run with errors (HTTP 200 or 400, as the GraphQL-over-HTTP spec says)
        for (String query : List.of("{\"query\": \"{ patient(id: \\\"" + ssn + "\\\") { name " + family + " } }\"}",
                "{\"query\": \"{ patient(id: \\\"" + id + "\\\") { journey(first: -1, types: [" + family + "]) { edges { node { type } } } } }\"}",
                "{\"query\": " + family + "}")) {
            HttpResponse<String> r = post("/graphql", "application/json", query);
            assertThat(r.statusCode() == 400 || r.body().contains("\"errors\"")).as(query + " " + r.body()).isTrue();
        }
        // A client that does not encode "|" or braces (as curl sends conditional URLs): the web server lets them through
        // to FHIR, which answers them; neither the search nor the bad id reaches a log line.
        assertThat(rawRequest("GET /fhir/Patient?identifier=http://hl7.org/fhir/sid/us-ssn|" + ssn + "&name="
                + family + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
        assertThat(rawRequest("GET /fhir/Patient/" + family + "{" + ssn + "} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Connection: close\r\n\r\n")).matches("(?s)HTTP/1\\.1 4\\d\\d .*");
        // a parameter that is not valid percent-encoding (HAPI answers 500 to it, logged as a server error)
        assertThat(rawRequest("GET /fhir/Patient?family=" + family + "%ZZ" + ssn + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Connection: close\r\n\r\n")).doesNotContain(family + "%ZZ");

        String logs = output.getAll() + neo4jLogsSince(neo4jLogs, neo4jLogFrom);
        assertThat(logs).as("the log output of the run").contains("Import finished")
                .containsPattern("FhirServerErrorLog +: FHIR .* failed with 500");
        List<String> leaked = phi.all().filter(logs::contains).toList();
        assertThat(leaked).as("PHI of the fixture in the logs, e.g. in:\n%s", context(logs, leaked)).isEmpty();
    }

    /** Server errors are still logged with their stack trace, but exception messages (which echo input) are not. */
    @Test
    void stackTracesAreLoggedWithoutExceptionMessages(CapturedOutput output) {
        org.slf4j.LoggerFactory.getLogger(NoPhiInLogsTest.class).error("a server error",
                new IllegalStateException("wrapped", new IllegalArgumentException("Unrecognized token 'Cordie578'")));
        assertThat(output.getAll()).contains("a server error").contains("java.lang.IllegalStateException")
                .contains("Caused by: java.lang.IllegalArgumentException")
                .contains("at org.caregraph.security.NoPhiInLogsTest.stackTracesAreLoggedWithoutExceptionMessages")
                .doesNotContain("Cordie578").doesNotContain("wrapped");
    }

    private void importThroughAJob(String family, String ssn) throws Exception {
        Path root = Path.of("target/test-import-root").toAbsolutePath();
        Path batch = root.resolve("no-phi-in-logs");
        FileSystemUtils.deleteRecursively(batch);
        FileSystemUtils.copyRecursively(SYNTHEA, batch);
        // a broken record full of PHI: the job reports it in its error report, which is data, not a log
        Files.writeString(batch.resolve("broken.ndjson"), "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\""
                + family + "\"}],\"identifier\":[{\"value\":\"" + ssn + "\"}],\"birthDate\":\"" + family + "\"}\n"
                + "{\"resourceType\": \"Patient\", \"id\": " + ssn + "}\n");
        HttpResponse<String> started = post("/import", "application/json", "{\"inputs\": [\"no-phi-in-logs\"]}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String job = JSON.readTree(started.body()).get("id").asText();
        long deadline = System.currentTimeMillis() + 180_000;
        String status;
        do {
            Thread.sleep(200);
            status = JSON.readTree(get("/import/" + job).body()).get("status").asText();
        } while ((status.equals("QUEUED") || status.equals("RUNNING")) && System.currentTimeMillis() < deadline);
        assertThat(status).isEqualTo("COMPLETED_WITH_ERRORS");
        assertThat(get("/import/" + job + "/errors").body().lines().count()).isEqualTo(2);
    }

    private static JsonNode firstPatient() throws IOException {
        try (var files = Files.list(SYNTHEA)) {
            Path bundle = files.filter(p -> p.getFileName().toString().startsWith("Cordie578")).findFirst().orElseThrow();
            for (JsonNode e : JSON.readTree(bundle.toFile()).path("entry")) {
                if (e.at("/resource/resourceType").asText().equals("Patient")) return e.get("resource");
            }
        }
        throw new AssertionError("no Patient in the fixture");
    }

    private static String neo4jLogsSince(Path dir, long debugLogFrom) throws IOException {
        StringBuilder all = new StringBuilder();
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] bytes = Files.readAllBytes(f);
                int from = f.getFileName().toString().equals("debug.log") ? (int) Math.min(debugLogFrom, bytes.length) : 0;
                all.append(new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8));
            }
        }
        return all.toString();
    }

    private static String context(String logs, List<String> leaked) {
        StringBuilder lines = new StringBuilder();
        for (String needle : leaked.subList(0, Math.min(5, leaked.size()))) {
            int at = logs.indexOf(needle);
            int start = logs.lastIndexOf('\n', at) + 1;
            int end = logs.indexOf('\n', at);
            lines.append(needle).append(" -> ").append(logs, start, end < 0 ? logs.length() : Math.min(end, start + 400))
                    .append('\n');
        }
        return lines.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Accept", "application/fhir+json").GET());
    }

    private HttpResponse<String> post(String path, String contentType, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> put(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/fhir+json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return send(request, systemToken());
    }

    private HttpResponse<String> send(HttpRequest.Builder request, String token) throws Exception {
        if (token != null) request.setHeader("Authorization", "Bearer " + token);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + path);
    }

    /** {@code request}: the request line and headers but the final empty line; sent with the system token. */
    private String rawRequest(String request) throws IOException {
        request = request.substring(0, request.length() - 2) + "Authorization: Bearer " + systemToken() + "\r\n\r\n";
        try (Socket s = new Socket("127.0.0.1", httpPort)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
