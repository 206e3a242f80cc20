package org.caregraph.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.caregraph.CareGraphApplication;
import org.caregraph.GraphTest;
import org.caregraph.ingest.ErrorReport;
import org.caregraph.ingest.ImportInput;
import org.caregraph.ingest.ImportProgress;
import org.caregraph.ingest.Importer;
import org.caregraph.security.TokenIssuer;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The server the fuzzing properties attack: the real application (embedded Neo4j, HTTP on a free port, security on)
 * started once per test JVM with the 5-patient Synthea fixture imported. jqwik runs outside Spring's test context, so
 * it is started here with the same settings as {@link GraphTest}. Checks every answer against the fuzzing contract:
 * no 5xx, no stack trace, no stored patient data in a refusal, no change to the stored data from a refused input.
 */
final class FuzzServer {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Java frames ("at org.x.Y.m(Y.java:12)"), "Caused by:", or a JVM exception class name: a leaked stack trace */
    private static final Pattern STACK_TRACE = Pattern.compile(
            "\\bat [a-zA-Z_$][\\w$]*(\\.[\\w$]+)+\\([\\w$]+\\.java:\\d+\\)|Caused by: |\\bjava\\.lang\\.[A-Z]\\w*(Exception|Error)\\b"
                    + "|\\borg\\.(neo4j|springframework|caregraph)\\.[\\w.]*(Exception|Error)\\b");
    private static FuzzServer instance;

    final ConfigurableApplicationContext ctx;
    final Driver driver;
    final String base;
    final String token;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    /** the fixture's names and identifiers: what a refusal must never quote */
    final Set<String> stored = new TreeSet<>();
    final List<String> patientIds = new ArrayList<>();
    /** every generated input sent, across all properties */
    static final AtomicLong INPUTS = new AtomicLong();

    private FuzzServer() {
        ctx = new SpringApplicationBuilder(CareGraphApplication.class).run(
                "--server.port=0",
                "--caregraph.neo4j.data-dir=target/fuzz-graph-" + System.nanoTime(),
                "--caregraph.neo4j.bolt-port=0",
                "--caregraph.neo4j.pagecache=64m",
                "--caregraph.import.root=target/test-import-root",
                "--logging.level.root=WARN");
        driver = ctx.getBean(Driver.class);
        base = "http://127.0.0.1:" + ctx.getEnvironment().getProperty("local.server.port");
        token = ctx.getBean(TokenIssuer.class).issue("fuzz", null, null, GraphTest.ALL_SCOPES, Duration.ofHours(2)).token();
        ImportProgress done = importNdjsonOrBundles(List.of(GraphTest.SYNTHEA));
        assertThat(done.written()).isGreaterThan(900);
        for (Record r : query("MATCH (p:Patient) WHERE p.json IS NOT NULL RETURN p.id AS id, p.json AS json")) {
            patientIds.add(r.get("id").asString());
            try {
                JsonNode p = JSON.readTree(r.get("json").asString());
                for (JsonNode name : p.path("name")) {
                    keep(name.path("family").asText());
                    for (JsonNode given : name.path("given")) keep(given.asText());
                }
                for (JsonNode id : p.path("identifier")) keep(id.path("value").asText());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertThat(stored).isNotEmpty();
        awaitSqlStore();
    }

    /** The SQL store has applied every write so far (it follows the writer in the background). */
    void awaitSqlStore() {
        try {
            assertThat(ctx.getBean(org.caregraph.sql.SqlStore.class).awaitIdle(Duration.ofSeconds(120))).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static synchronized FuzzServer get() {
        if (instance == null) instance = new FuzzServer();
        return instance;
    }

    private void keep(String value) {
        if (value.length() >= 6) stored.add(value); // shorter ones match by chance
    }

    List<Record> query(String cypher) {
        try (var s = driver.session()) {
            return s.run(cypher).list();
        }
    }

    /** What SQL could change in the SQL store: the tables' row counts and the patients' ids and genders. */
    String sqlFingerprint() {
        String query = "{\"query\":\"SELECT (SELECT count(*) FROM patients), "
                + "(SELECT count(*) FROM observations), (SELECT count(*) FROM encounters), "
                + "(SELECT count(*) FROM encounter_chain), (SELECT count(*) FROM nlp_mentions), "
                + "(SELECT string_agg(id || ':' || coalesce(gender, ''), ',' ORDER BY id) FROM patients)\"}";
        for (int attempt = 0; ; attempt++) {
            HttpResponse<String> r = send(request("/sql").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(query)));
            // statements a property abandoned at their timeout may hold every slot for a while
            if (r.statusCode() == 503 && r.body().contains("BUSY") && attempt < 10) continue;
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return r.body().replaceAll("\"elapsedMs\"\\s*:\\s*\\d+", "");
        }
    }

    /** What any write would change: nodes, relationships, versions and the size of every stored JSON. */
    String fingerprint() {
        Record r = query("""
                MATCH (n) WITH count(n) AS nodes, sum(coalesce(n.versionId, 0)) AS versions,
                  sum(size(coalesce(n.json, ''))) AS chars
                CALL () { MATCH ()-[r]->() RETURN count(r) AS rels }
                RETURN nodes, versions, chars, rels""").getFirst();
        return r.asMap().toString();
    }

    ImportProgress importNdjsonOrBundles(List<Path> paths) {
        List<ImportInput> inputs = new ArrayList<>();
        for (Path p : paths) inputs.addAll(ImportInput.expand(p, p.getFileName().toString()));
        try (ErrorReport report = new ErrorReport(Files.createTempFile("fuzz-errors", ".ndjson"))) {
            return ctx.getBean(Importer.class).run(inputs, report, p -> { });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        INPUTS.incrementAndGet();
        try {
            return http.send(request.header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path));
    }

    /**
     * The contract for one answer: below 500 (or one of {@code allowed5xx}, deliberate and documented), no stack trace,
     * and a refusal quotes none of the stored names and identifiers.
     */
    void check(HttpResponse<String> r, String input, int... allowed5xx) {
        check(r.statusCode(), r.statusCode() >= 400, r.body(), input, allowed5xx);
    }

    /** The same for an answer whose status does not say whether it is a refusal (GraphQL's 200 with errors). */
    void check(int status, boolean refused, String answer, String input, int... allowed5xx) {
        String body = answer == null ? "" : answer;
        boolean allowed = false;
        for (int s : allowed5xx) allowed |= status == s;
        assertThat(status < 500 || allowed).as("status %d for input %s: %s", status, abbreviate(input),
                abbreviate(body)).isTrue();
        assertThat(STACK_TRACE.matcher(body).find()).as("a stack trace in %s", abbreviate(body)).isFalse();
        if (refused) {
            for (String s : stored) {
                if (!input.contains(s)) assertThat(body).as("a refusal quoting stored data").doesNotContain(s);
            }
        }
    }

    static String abbreviate(String s) {
        return s.length() > 600 ? s.substring(0, 600) + "...(" + s.length() + " chars)" : s;
    }
}
