package org.caregraph.cypher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.caregraph.GraphTest;
import org.caregraph.graphql.Population;
import org.caregraph.ingest.ImportProgress;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** POST /cypher over real HTTP against the real embedded Neo4j: reads, value shapes, the read-only guard, limits. */
class CypherEndpointTest extends GraphTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private record Reply(int status, JsonNode body) {
        String code() {
            return body.path("code").asText();
        }
    }

    @BeforeEach
    void population() {
        clearGraph();
        ImportProgress p = importPaths(new Population()
                .patient("p1", "female", "1980-07-15", "Ada", "Lovelace")
                .patient("p2", "male", "1990-01-02", "Alan", "Turing")
                .condition("c1", "p1", null, "44054006", "Diabetes", "2015-03-01T10:00:00+00:00")
                .condition("c2", "p2", null, "38341003", "Hypertension", "2018-06-30T08:30:00+00:00")
                .write(Path.of("target", "populations")));
        assertThat(p.failed()).as("rejected lines").isZero();
    }

    @Test
    void readWithParametersReturnsRowsAndValueShapes() {
        Reply r = post(body("""
                MATCH path = (c:Condition)-[s:SUBJECT]->(p:Patient {id: $id})
                RETURN p, s, path, date(p.time) AS born, [c.id, $n, 1.5, null] AS list,
                       {gender: p.gender, codes: [x IN $codes | x + 1]} AS map, datetime(c.time) AS onset,
                       duration.inDays(date(p.time), date($at)) AS age, point({x: 1.0, y: 2.0}) AS pt""",
                "parameters", Map.of("id", "p1", "n", 7, "codes", List.of(1, 2), "at", "2020-07-15")));
        assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
        JsonNode b = r.body();
        assertThat(JSON.convertValue(b.get("columns"), List.class))
                .containsExactly("p", "s", "path", "born", "list", "map", "onset", "age", "pt");
        assertThat(b.get("rows")).hasSize(1);
        assertThat(b.get("truncated").asBoolean()).isFalse();
        assertThat(b.get("rowLimit").asInt()).isEqualTo(1000);
        assertThat(b.get("elapsedMs").isIntegralNumber()).isTrue();

        Map<String, Object> ids = single("""
                MATCH (c:Condition {id: 'c1'})-[s:SUBJECT]->(p:Patient {id: 'p1'})
                RETURN elementId(c) AS c, elementId(s) AS s, elementId(p) AS p""");
        JsonNode row = b.get("rows").get(0);
        JsonNode patient = row.get(0);
        assertThat(patient.get("elementId").asText()).isEqualTo(ids.get("p"));
        assertThat(JSON.convertValue(patient.get("labels"), List.class)).contains("Resource", "Patient");
        assertThat(patient.get("properties").get("key").asText()).isEqualTo("Patient/p1");
        assertThat(patient.get("properties").get("gender").asText()).isEqualTo("female");
        JsonNode subject = row.get(1);
        assertThat(subject.get("elementId").asText()).isEqualTo(ids.get("s"));
        assertThat(subject.get("type").asText()).isEqualTo("SUBJECT");
        assertThat(subject.get("startElementId").asText()).isEqualTo(ids.get("c"));
        assertThat(subject.get("endElementId").asText()).isEqualTo(ids.get("p"));
        assertThat(subject.get("properties").get("path").asText()).isEqualTo("Condition.subject");
        JsonNode path = row.get(2);
        assertThat(path.get("nodes")).hasSize(2);
        assertThat(path.get("nodes").get(0).get("elementId").asText()).isEqualTo(ids.get("c"));
        assertThat(path.get("nodes").get(1).get("elementId").asText()).isEqualTo(ids.get("p"));
        assertThat(path.get("relationships").get(0).get("elementId").asText()).isEqualTo(ids.get("s"));
        assertThat(row.get(3).asText()).isEqualTo("1980-07-15");
        assertThat(row.get(4).toString()).isEqualTo("[\"c1\",7,1.5,null]");
        assertThat(row.get(5).toString()).isEqualTo("{\"gender\":\"female\",\"codes\":[2,3]}");
        assertThat(row.get(6).asText()).isEqualTo("2015-03-01T10:00:00Z");
        long days = ChronoUnit.DAYS.between(LocalDate.parse("1980-07-15"), LocalDate.parse("2020-07-15"));
        assertThat(row.get(7).asText()).startsWith("P").contains(days + "D");
        assertThat(row.get(8).toString()).isEqualTo("{\"srid\":7203,\"x\":1.0,\"y\":2.0}");
    }

    @Test
    void writesAndAdminAreRejectedBeforeTheyRunAndTheGraphIsUnchanged() {
        Map<String, Object> before = graphState();
        List<String> refused = List.of(
                "CREATE (:Intruder {x: 1})",
                "MERGE (n:Intruder {x: 1}) RETURN n",
                "MATCH (p:Patient) SET p.gender = 'other'",
                "MATCH (p:Patient) DETACH DELETE p",
                "MATCH (c:Condition) DELETE c",
                "MATCH (p:Patient) REMOVE p.gender",
                "MATCH (p:Patient) REMOVE p:Resource",
                "MATCH (p:Patient) FOREACH (x IN [1] | SET p.gender = 'other')",
                "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
                "MATCH (p:Patient) CALL (p) { DETACH DELETE p } IN TRANSACTIONS OF 1 ROWS",
                "CALL () { MATCH (p:Patient) RETURN count(p) AS n } IN TRANSACTIONS RETURN n",
                "CALL db.createLabel('Intruder')",
                "CALL db.createProperty('intruder')",
                "CALL db.stats.collect('QUERIES')",
                "CALL dbms.components()",
                "CALL db.clearQueryCaches()",
                "CREATE INDEX intruder IF NOT EXISTS FOR (n:Intruder) ON (n.x)",
                "CREATE CONSTRAINT intruder IF NOT EXISTS FOR (n:Intruder) REQUIRE n.x IS UNIQUE",
                "DROP INDEX intruder IF EXISTS",
                "SHOW TRANSACTIONS",
                "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
                "SHOW SETTINGS",
                "SHOW USERS",
                "USE neo4j MATCH (n) RETURN count(n)",
                "CYPHER 25 USE neo4j MATCH (n) RETURN count(n)",
                "// a comment first\nuse `neo4j` MATCH (n) RETURN count(n)");
        for (String q : refused) {
            Reply r = post(body(q));
            assertThat(r.status()).as(q + " → " + r.body()).isEqualTo(403);
            assertThat(r.code()).as(q).isEqualTo("WRITE_REJECTED");
            assertThat(r.body().path("message").asText()).as(q).isNotBlank();
        }
        Reply two = post(body("MATCH (n) RETURN count(n); CREATE (:Intruder)"));
        assertThat(two.status()).isEqualTo(400);
        assertThat(two.code()).isEqualTo("BAD_REQUEST");
        assertThat(graphState()).isEqualTo(before);
    }

    /** Reads that merely look like writes to a naive text check run: the guard reads the plan, not the words. */
    @Test
    void readsThatMentionWriteWordsRun() {
        assertThat(rows(body("RETURN 'CREATE (n); USE x; DELETE n' AS s, 1 AS use"))).isEqualTo("[[\"CREATE (n); USE x; DELETE n\",1]]");
        assertThat(rows(body("WITH {use: 2} AS m /* ; USE neo4j */ RETURN m.use"))).isEqualTo("[[2]]");
        assertThat(rows(body("MATCH (p:Patient) WHERE p.gender = $g RETURN p.id ORDER BY p.id;", "parameters", Map.of("g", "male"))))
                .isEqualTo("[[\"p2\"]]");
        assertThat(rows(body("CALL db.labels() YIELD label WHERE label IN ['Patient', 'Condition'] RETURN label ORDER BY label")))
                .isEqualTo("[[\"Condition\"],[\"Patient\"]]");
        assertThat(rows(body("SHOW INDEXES YIELD name WHERE name = $n RETURN name", "parameters", Map.of("n", "no-such-index"))))
                .isEqualTo("[]");
    }

    @Test
    void errorsOfTheQueryAre400WithTheirCode() {
        Reply syntax = post(body("MATCH (n RETURN n"));
        assertThat(syntax.status()).isEqualTo(400);
        assertThat(syntax.code()).isEqualTo("CYPHER_SYNTAX");
        Reply missing = post(body("MATCH (p:Patient {id: $id}) RETURN p"));
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.code()).isEqualTo("Neo.ClientError.Statement.ParameterMissing");
        Reply arithmetic = post(body("UNWIND [1, 0] AS d RETURN 10 / d"));
        assertThat(arithmetic.status()).isEqualTo(400);
        assertThat(arithmetic.code()).isEqualTo("Neo.ClientError.Statement.ArithmeticError");
        // nesting the parser would spend minutes on is refused before the database sees it (found by fuzzing)
        long t = System.nanoTime();
        Reply deep = post(body("RETURN " + "[".repeat(3000) + "]".repeat(3000)));
        assertThat(deep.status()).isEqualTo(400);
        assertThat(deep.code()).isEqualTo("BAD_REQUEST");
        assertThat((System.nanoTime() - t) / 1_000_000).as("ms").isLessThan(5000);
        assertThat(post(body("RETURN " + "[".repeat(50) + "1" + "]".repeat(50) + " AS x")).status()).isEqualTo(200);
    }

    @Test
    void rowLimitTruncates() {
        Reply cut = post(body("UNWIND range(1, 25) AS i RETURN i", "limit", 10));
        assertThat(cut.body().get("rows").toString()).isEqualTo("[[1],[2],[3],[4],[5],[6],[7],[8],[9],[10]]");
        assertThat(cut.body().get("truncated").asBoolean()).isTrue();
        assertThat(cut.body().get("rowLimit").asInt()).isEqualTo(10);
        Reply exact = post(body("UNWIND range(1, 25) AS i RETURN i", "limit", 25));
        assertThat(exact.body().get("rows")).hasSize(25);
        assertThat(exact.body().get("truncated").asBoolean()).isFalse();
        // Reading all hundred million rows could not finish in 20 s; stopping after limit + 1 does.
        Reply huge = post(body("UNWIND range(1, 100000000) AS i RETURN i", "limit", 5, "timeoutSeconds", 20));
        assertThat(huge.status()).as(huge.body().toString()).isEqualTo(200);
        assertThat(huge.body().get("rows").toString()).isEqualTo("[[1],[2],[3],[4],[5]]");
        assertThat(huge.body().get("truncated").asBoolean()).isTrue();
    }

    @Test
    void slowQueryTimesOut() {
        long t = System.nanoTime();
        Reply r = post(body("UNWIND range(1, 10000000000) AS i WITH i WHERE i < 0 RETURN count(i)", "timeoutSeconds", 1));
        assertThat(r.status()).as(r.body().toString()).isEqualTo(504);
        assertThat(r.code()).isEqualTo("TIMEOUT");
        assertThat((System.nanoTime() - t) / 1_000_000_000).as("seconds until stopped").isLessThan(30);
    }

    @Test
    void badBodiesAreBadRequests() {
        List<String> bodies = List.of(
                "not json", "[]", "{}", "{\"query\": \"\"}", "{\"query\": \"   \"}", "{\"query\": 5}",
                "{\"query\": \"RETURN 1\", \"params\": {}}",
                "{\"query\": \"RETURN $x\", \"parameters\": [1]}",
                "{\"query\": \"RETURN $x\", \"parameters\": {\"x\": 100000000000000000000000000000}}",
                "{\"query\": \"RETURN 1\", \"limit\": 0}", "{\"query\": \"RETURN 1\", \"limit\": 10001}",
                "{\"query\": \"RETURN 1\", \"limit\": \"ten\"}", "{\"query\": \"RETURN 1\", \"limit\": 1.5}",
                "{\"query\": \"RETURN 1\", \"timeoutSeconds\": 0}", "{\"query\": \"RETURN 1\", \"timeoutSeconds\": 121}");
        for (String b : bodies) {
            Reply r = post(b);
            assertThat(r.status()).as(b + " → " + r.body()).isEqualTo(400);
            assertThat(r.code()).as(b).isEqualTo("BAD_REQUEST");
        }
        Reply text = send("RETURN 1", "text/plain");
        assertThat(text.status()).isEqualTo(400);
        assertThat(text.code()).isEqualTo("BAD_REQUEST");
        assertThat(rows("{\"query\": \"RETURN $x\", \"parameters\": {\"x\": 9007199254740993}}")).isEqualTo("[[9007199254740993]]");
    }

    /** What a write could change: counts of nodes, relationships, labels in use, indexes, and the patients' values. */
    private Map<String, Object> graphState() {
        Map<String, Object> state = new LinkedHashMap<>(single("""
                RETURN COUNT { MATCH (n) } AS nodes, COUNT { MATCH ()-[r]->() } AS relationships,
                       COUNT { CALL db.labels() YIELD label RETURN label } AS labels,
                       COLLECT { MATCH (p:Patient) RETURN [p.id, p.gender, labels(p)] ORDER BY p.id } AS patients"""));
        state.put("indexes", single("SHOW INDEXES YIELD name RETURN collect(name) AS names").get("names"));
        state.put("constraints", single("SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names").get("names"));
        return state;
    }

    private static String body(String query, Object... fields) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("query", query);
        for (int i = 0; i < fields.length; i += 2) b.put((String) fields[i], fields[i + 1]);
        try {
            return JSON.writeValueAsString(b);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private String rows(String body) {
        Reply r = post(body);
        assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
        return r.body().get("rows").toString();
    }

    private Reply post(String body) {
        return send(body, "application/json");
    }

    private Reply send(String body, String contentType) {
        try {
            HttpResponse<String> response = HTTP.send(authorized(URI.create("http://127.0.0.1:" + httpPort + "/cypher"))
                    .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), JSON.readTree(response.body()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
