package org.caregraph.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * POST /sql over real HTTP on the SQL store built from the Synthea fixture (real embedded Neo4j, real DuckDB): reads,
 * parameters, formats (CSV, Parquet read back with its types), limits, the timeout, and every refusal of the sandbox.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqlEndpointTest extends GraphTest {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Autowired SqlStore store;
    @Autowired SqlQueries queries;

    record Reply(int status, JsonNode body, byte[] bytes, String contentType) {
        String code() {
            return body.path("code").asText();
        }
    }

    @BeforeAll
    void fixture() throws InterruptedException {
        requireFixture();
        clearGraph();
        importPaths(SYNTHEA);
        // the graph was cleared behind the writer's back: the store starts over from what is there now
        store.rebuild();
        assertThat(store.awaitIdle(Duration.ofSeconds(120))).isTrue();
    }

    @Test
    void countsJoinsAndParameters() {
        Reply r = sql(Map.of("query", "SELECT count(*) AS n FROM patients"));
        assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
        assertThat(r.body().at("/rows/0/0").asLong()).isEqualTo(5);
        assertThat(r.body().at("/columns/0").asText()).isEqualTo("n");

        // every observation belongs to one of the five patients, and the join says so
        Reply join = sql(Map.of("query", """
                SELECT p.gender, count(*) AS observations FROM patients p JOIN observations o ON o.patient_id = p.id
                GROUP BY p.gender ORDER BY p.gender"""));
        assertThat(join.status()).as(join.body().toString()).isEqualTo(200);
        long joined = 0;
        for (JsonNode row : join.body().get("rows")) joined += row.get(1).asLong();
        assertThat(joined).isEqualTo(sql(Map.of("query", "SELECT count(*) FROM observations")).body().at("/rows/0/0").asLong())
                .isGreaterThan(100);

        Reply param = sql(Map.of("query", "SELECT count(*) FROM patients WHERE gender = :g AND birth_date < :before",
                "parameters", Map.of("g", "female", "before", "2100-01-01")));
        assertThat(param.status()).as(param.body().toString()).isEqualTo(200);
        long female = param.body().at("/rows/0/0").asLong();
        assertThat(female).isEqualTo(sql(Map.of("query", "SELECT count(*) FROM patients WHERE gender = 'female'")).body().at("/rows/0/0").asLong());
        // a ':' in a literal or a cast is not a parameter
        Reply literal = sql(Map.of("query", "SELECT ':g' AS s, '2020-01-01'::DATE AS d"));
        assertThat(literal.body().at("/rows/0/0").asText()).isEqualTo(":g");
        assertThat(sql(Map.of("query", "SELECT :missing")).code()).isEqualTo("BAD_REQUEST");
    }

    @Test
    void typedColumnsAndTheGraphsOwnTables() {
        Reply r = sql(Map.of("query", """
                SELECT typeof(birth_date), typeof(deceased) FROM patients LIMIT 1"""));
        assertThat(r.body().at("/rows/0/0").asText()).isEqualTo("DATE");
        assertThat(r.body().at("/rows/0/1").asText()).isEqualTo("BOOLEAN");
        // NLP mentions with their assertions, the encounter chain: every encounter is in its patient's chain once
        Reply mentions = sql(Map.of("query", """
                SELECT count(*), count(negated), count(DISTINCT certainty), count(concept_code), count(DISTINCT note_id)
                FROM nlp_mentions"""));
        long n = mentions.body().at("/rows/0/0").asLong();
        assertThat(n).isGreaterThan(100);
        assertThat(mentions.body().at("/rows/0/1").asLong()).isEqualTo(n);
        assertThat(mentions.body().at("/rows/0/2").asLong()).isPositive();
        assertThat(mentions.body().at("/rows/0/3").asLong()).isPositive();
        assertThat(mentions.body().at("/rows/0/4").asLong()).isGreaterThan(50);
        Reply chain = sql(Map.of("query", """
                SELECT (SELECT count(*) FROM encounter_chain), (SELECT count(*) FROM encounters),
                       (SELECT count(*) FROM encounter_chain c JOIN encounters e ON e.id = c.encounter_id AND e.patient_id = c.patient_id),
                       (SELECT count(*) FROM encounter_chain WHERE seq = 0)"""));
        assertThat(chain.body().at("/rows/0/0").asLong()).isEqualTo(chain.body().at("/rows/0/1").asLong())
                .isEqualTo(chain.body().at("/rows/0/2").asLong());
        assertThat(chain.body().at("/rows/0/3").asLong()).isEqualTo(5);
    }

    @Test
    void limitTruncatesAndCsvAndParquetCarryTheRows() throws Exception {
        Reply limited = sql(Map.of("query", "SELECT id FROM observations ORDER BY id", "limit", 3));
        assertThat(limited.body().get("rows")).hasSize(3);
        assertThat(limited.body().get("truncated").asBoolean()).isTrue();

        Reply csv = sql(Map.of("query", "SELECT id, gender FROM patients ORDER BY id", "format", "csv"));
        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.contentType()).startsWith("text/csv");
        List<String> lines = new String(csv.bytes()).lines().toList();
        assertThat(lines).hasSize(6);
        assertThat(lines.getFirst()).isEqualTo("id,gender");

        Reply parquet = sql(Map.of("query", """
                SELECT p.id, p.birth_date, p.deceased, o.value_number, o.effective_time, o.component_count
                FROM patients p JOIN observations o ON o.patient_id = p.id"""), "application/vnd.apache.parquet");
        assertThat(parquet.status()).as(parquet.body().toString()).isEqualTo(200);
        Path file = Files.createTempFile("sql", ".parquet");
        Files.write(file, parquet.bytes());
        // read back by a DuckDB of its own: the columns keep their SQL types
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("DESCRIBE SELECT * FROM read_parquet('" + file + "')")) {
            Map<String, String> types = new LinkedHashMap<>();
            while (rs.next()) types.put(rs.getString("column_name"), rs.getString("column_type"));
            assertThat(types).containsEntry("id", "VARCHAR").containsEntry("birth_date", "DATE")
                    .containsEntry("deceased", "BOOLEAN").containsEntry("value_number", "DOUBLE")
                    .containsEntry("effective_time", "TIMESTAMP WITH TIME ZONE").containsEntry("component_count", "INTEGER");
            try (ResultSet n = s.executeQuery("SELECT count(*) FROM read_parquet('" + file + "')")) {
                n.next();
                assertThat(n.getLong(1)).isEqualTo(sql(Map.of("query", "SELECT count(*) FROM observations")).body().at("/rows/0/0").asLong());
            }
        }
    }

    @Test
    void aRunawayQueryIsStoppedAtItsTimeout() {
        long started = System.nanoTime();
        Reply r = sql(Map.of("query", "SELECT count(*) FROM range(1000000000000) a", "timeoutSeconds", 1));
        assertThat(r.status()).as(r.body().toString()).isEqualTo(504);
        assertThat(r.code()).isEqualTo("TIMEOUT");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        // the store still answers
        assertThat(sql(Map.of("query", "SELECT count(*) FROM patients")).status()).isEqualTo(200);
    }

    /** DuckDB folds a constant expression while it plans (about six seconds here), and cancel() cannot stop that. */
    static final String UNINTERRUPTIBLE = "SELECT repeat('x', 300000000)";

    @Test
    void planningThatCannotBeInterruptedIsGivenUpAtTheTimeout() throws InterruptedException {
        long started = System.nanoTime();
        Reply r = sql(Map.of("query", UNINTERRUPTIBLE, "timeoutSeconds", 1));
        assertThat(r.status()).as(r.body().toString()).isEqualTo(504);
        assertThat(r.code()).isEqualTo("TIMEOUT");
        // answered at its timeout, not when DuckDB let go (it was over 50 s for two billion characters)
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
        // the abandoned statement keeps its slot; the others answer meanwhile
        assertThat(queries.running()).isEqualTo(1);
        assertThat(sql(Map.of("query", "SELECT count(*) FROM patients")).status()).isEqualTo(200);
        awaitNoneRunning(queries);
    }

    @Test
    void abandonedStatementsCannotPileUp() throws InterruptedException {
        SqlQueries one = new SqlQueries(store, event -> { }, 1);
        try {
            SqlQueries.Caller caller = new SqlQueries.Caller(org.caregraph.security.AccessContext.service("test"), "test");
            assertThatThrownBy(() -> one.rows(caller, UNINTERRUPTIBLE, Map.of(), 1, Duration.ofSeconds(1)))
                    .isInstanceOfSatisfying(SqlException.class, e -> assertThat(e.code()).isEqualTo("TIMEOUT"));
            // its only slot is still held by the abandoned statement: the next one waits its timeout, then 503
            assertThatThrownBy(() -> one.rows(caller, "SELECT 1", Map.of(), 1, Duration.ofSeconds(1)))
                    .isInstanceOfSatisfying(SqlException.class, e -> {
                        assertThat(e.code()).isEqualTo("BUSY");
                        assertThat(e.status().value()).isEqualTo(503);
                    });
            // and when DuckDB lets go, the slot is free again
            awaitNoneRunning(one);
            assertThat(one.rows(caller, "SELECT 1", Map.of(), 1, Duration.ofSeconds(5)).rows()).hasSize(1);
        } finally {
            one.destroy();
        }
    }

    private static void awaitNoneRunning(SqlQueries queries) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (queries.running() > 0 && System.nanoTime() < deadline) Thread.sleep(200);
        assertThat(queries.running()).as("statements still holding DuckDB").isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "INSERT INTO patients (id) VALUES ('x')",
            "UPDATE patients SET gender = 'x'",
            "DELETE FROM patients",
            "CREATE TABLE t AS SELECT 1",
            "DROP VIEW patients",
            "ALTER VIEW patients RENAME TO p",
            "COPY patients TO '/tmp/out.csv'",
            "COPY (SELECT * FROM patients) TO '/tmp/out.parquet' (FORMAT parquet)",
            "EXPORT DATABASE '/tmp/x'",
            "ATTACH '/tmp/other.duckdb' AS other",
            "DETACH other",
            "INSTALL httpfs",
            "LOAD httpfs",
            "SET enable_external_access = true",
            "RESET memory_limit",
            "PRAGMA database_list",
            "CALL pragma_version()",
            "CHECKPOINT",
            "VACUUM",
            "USE cg",
            "SELECT 1; SELECT 2",
            "SELECT count(*) FROM patients; DROP VIEW patients",
            "SELECT * FROM read_csv('/etc/passwd')",
            "SELECT * FROM read_text('/etc/hostname')",
            "SELECT * FROM read_parquet('/tmp/x.parquet')",
            "SELECT * FROM read_json_auto('https://example.org/x.json')",
            "SELECT * FROM '/etc/passwd'",
            "SELECT * FROM 'https://example.org/data.csv'",
            "SELECT * FROM glob('/etc/*')",
            "SELECT * FROM query('SELECT 42')",
            "SELECT * FROM duckdb_settings()",
            "SELECT * FROM cg.catalog",
            "SELECT * FROM other.main.patients",
            "WITH x AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM x",
            "SELECT (SELECT count(*) FROM read_blob('/etc/passwd'))"})
    void theSandboxRefusesBeforeRunning(String query) {
        Reply r = sql(Map.of("query", query));
        assertThat(r.status()).as(query + " -> " + r.body()).isEqualTo(403);
        assertThat(r.code()).isEqualTo("REJECTED");
        // nothing was changed: the store still has its tables and rows
        assertThat(sql(Map.of("query", "SELECT count(*) FROM patients")).body().at("/rows/0/0").asLong()).isEqualTo(5);
    }

    @Test
    void theEngineItselfReachesNoFileAndCannotBeReconfigured() throws SQLException {
        // below the parser check: the instance analysts' queries run on has file and URL access switched off and its
        // configuration locked
        try (Connection c = store.connect(); Statement s = c.createStatement()) {
            for (String q : List.of("SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM '/etc/passwd'",
                    "SET enable_external_access = true", "ATTACH '/tmp/other.duckdb' AS other", "LOAD httpfs")) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.execute(q)).as(q).isInstanceOf(SQLException.class);
            }
        }
    }

    @Test
    void onlyTheSqlCapabilityQueriesTheStore() throws Exception {
        String body = JSON.writeValueAsString(Map.of("query", "SELECT count(*) FROM patients"));
        HttpRequest anonymous = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/sql"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        assertThat(HTTP.send(anonymous, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        // every FHIR scope at system level is not the SQL capability: the store holds every patient
        String fhirOnly = token("fhir-app", null, null, List.of("system/*.cruds"));
        HttpRequest refused = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/sql"))
                .header("Authorization", "Bearer " + fhirOnly).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        assertThat(HTTP.send(refused, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
    }

    @Test
    void badRequestsAreNamed() {
        assertThat(sql(Map.of("query", "SELEC 1")).code()).isEqualTo("SQL_SYNTAX");
        assertThat(sql(Map.of("query", "SELECT no_such_column FROM patients")).code()).isEqualTo("SQL_ERROR");
        assertThat(sql(Map.of("query", "SELECT 1", "limit", 0)).code()).isEqualTo("BAD_REQUEST");
        assertThat(sql(Map.of("query", "SELECT 1", "bogus", 1)).code()).isEqualTo("BAD_REQUEST");
        assertThat(sql(Map.of("query", "SELECT 1", "format", "xml")).code()).isEqualTo("BAD_REQUEST");
        // nested deeper than the guard's reader of DuckDB's parse tree goes: refused, named (was a 500)
        Reply deep = sql(Map.of("query", "SELECT " + "(SELECT ".repeat(400) + "1" + ")".repeat(400)));
        assertThat(deep.status()).as(deep.body().toString()).isEqualTo(400);
        assertThat(deep.body().path("message").asText()).contains("nested too deeply");
        // a parameter no 64-bit integer holds (was a 500)
        Reply huge = sql(Map.of("query", "SELECT :n", "parameters", Map.of("n", new java.math.BigInteger("123456789012345678901234567890"))));
        assertThat(huge.status()).as(huge.body().toString()).isEqualTo(400);
        assertThat(huge.code()).isEqualTo("BAD_REQUEST");
    }

    Reply sql(Map<String, Object> body) {
        return sql(body, "application/json");
    }

    Reply sql(Map<String, Object> body, String accept) {
        try {
            HttpRequest request = authorized(URI.create("http://127.0.0.1:" + httpPort + "/sql"))
                    .header("Content-Type", "application/json").header("Accept", accept)
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
            HttpResponse<byte[]> response = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
            String type = response.headers().firstValue("Content-Type").orElse("");
            JsonNode json = type.startsWith("application/json") ? JSON.readTree(response.body()) : JSON.createObjectNode();
            return new Reply(response.statusCode(), json, response.body(), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
