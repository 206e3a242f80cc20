package org.caregraph.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.caregraph.ingest.ImportProgress;

/**
 * Issue #18 point 7: generated malformed and hostile input against every API of the running server, over real HTTP
 * with a real token that may do everything (so a refusal is the input's fault, not the caller's): FHIR JSON and XML
 * bodies (creates, updates of stored patients, transactions), search parameters, NDJSON import lines, GraphQL queries
 * and variables, analysts' Cypher and SQL. For each: never a 5xx, never a stack trace, never stored patient data in a
 * refusal, and never a change to the stored data from a refused input (a fingerprint of the graph before and after).
 * Tries per property: {@code jqwik.tries.default} (src/test/resources/junit-platform.properties: CI-sized); the full
 * run is {@code mvn verify -Dtest=ApiFuzzProperties -Djqwik.tries.default=1500} (8 properties: 12,000 tries).
 */
class ApiFuzzProperties {
    private static FuzzServer server;

    private static final String PATIENT = """
            {"resourceType":"Patient","identifier":[{"system":"urn:fuzz","value":"f-1"}],"active":true,\
            "name":[{"family":"Fuzzer","given":["Ada"]}],"gender":"female","birthDate":"1970-01-01",\
            "telecom":[{"system":"phone","value":"555-0100"}],"address":[{"line":["1 Main St"],"city":"Boston"}]}""";
    private static final String OBSERVATION = """
            {"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org",\
            "code":"8867-4"}]},"subject":{"reference":"Patient/%s"},"effectiveDateTime":"2025-01-01T10:00:00Z",\
            "valueQuantity":{"value":72,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}""";
    private static final String TRANSACTION = """
            {"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:6f1c0a52-9d7e-4c4b-8c55-0d7d1b8f0a01",\
            "resource":%s,"request":{"method":"POST","url":"Patient"}},{"resource":{"resourceType":"Observation",\
            "status":"final","code":{"text":"x"},"subject":{"reference":"urn:uuid:6f1c0a52-9d7e-4c4b-8c55-0d7d1b8f0a01"}},\
            "request":{"method":"POST","url":"Observation"}}]}""";
    private static final String PATIENT_XML = """
            <Patient xmlns="http://hl7.org/fhir"><identifier><system value="urn:fuzz"/><value value="x-1"/></identifier>\
            <name><family value="Fuzzer"/><given value="Ada"/></name><gender value="female"/>\
            <birthDate value="1970-01-01"/></Patient>""";
    private static final List<String> PATIENT_ELEMENTS = List.of("id", "meta", "text", "contained", "extension",
            "identifier", "active", "name", "telecom", "gender", "birthDate", "_birthDate", "deceasedBoolean",
            "deceasedDateTime", "address", "maritalStatus", "multipleBirthInteger", "contact", "communication",
            "generalPractitioner", "managingOrganization", "link", "resourceType");
    private static final List<String> TYPES = List.of("Patient", "Observation", "Condition", "Encounter",
            "MedicationRequest", "DocumentReference", "Group", "Procedure");

    @BeforeContainer
    static void start() {
        server = FuzzServer.get();
    }

    @AfterContainer
    static void count() {
        System.out.println("ApiFuzzProperties: " + FuzzServer.INPUTS.get() + " generated inputs sent");
    }

    // ---- FHIR JSON bodies: create, update of a stored patient, transaction ----

    @Property(shrinking = ShrinkingMode.OFF)
    void fhirJsonBodies(@ForAll("fhirJson") String body, @ForAll("writeTarget") String target) {
        String before = server.fingerprint();
        HttpRequest.Builder request;
        if (target.equals("PUT")) {
            String id = server.patientIds.get(Math.floorMod(body.hashCode(), server.patientIds.size()));
            request = server.request("/fhir/Patient/" + id).PUT(HttpRequest.BodyPublishers.ofString(body));
        } else if (target.equals("TRANSACTION")) {
            request = server.request("/fhir").POST(HttpRequest.BodyPublishers.ofString(TRANSACTION.formatted(body)));
        } else {
            request = server.request("/fhir/" + target).POST(HttpRequest.BodyPublishers.ofString(body));
        }
        HttpResponse<String> r = server.send(request.header("Content-Type", "application/fhir+json"));
        checkWrite(r, body, before);
    }

    @Provide
    Arbitrary<String> fhirJson() {
        String observation = OBSERVATION.formatted("x");
        return Arbitraries.oneOf(
                Hostile.corrupt(PATIENT), Hostile.corrupt(observation), Hostile.corrupt(TRANSACTION.formatted(PATIENT)),
                Hostile.json(3),
                Combinators.combine(Arbitraries.oneOf(Arbitraries.of(PATIENT_ELEMENTS), Hostile.strings()), Hostile.json(2))
                        .as((k, v) -> PATIENT.substring(0, PATIENT.length() - 1) + "," + Hostile.quote(k) + ":" + v + "}"),
                Hostile.strings().map(s -> "{\"resourceType\":" + Hostile.quote(s) + ",\"id\":\"x\"}"),
                Hostile.strings().map(s -> PATIENT.replace("1970-01-01", s.replace("\"", ""))),
                Hostile.strings().map(s -> observation.replace("Patient/x", s.replace("\"", "").replace("\\", ""))),
                Hostile.deep("[", "]"), Hostile.deep("{\"a\":", "}"), Hostile.deep("{\"extension\":[", "]}"));
    }

    @Provide
    Arbitrary<String> writeTarget() {
        return Arbitraries.oneOf(Arbitraries.of(TYPES), Arbitraries.of("PUT", "TRANSACTION"));
    }

    // ---- FHIR XML bodies ----

    @Property(shrinking = ShrinkingMode.OFF)
    void fhirXmlBodies(@ForAll("fhirXml") String body) {
        String before = server.fingerprint();
        HttpResponse<String> r = server.send(server.request("/fhir/Patient")
                .header("Content-Type", "application/fhir+xml").header("Accept", "application/fhir+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        checkWrite(r, body, before);
        assertThat(r.body()).as("an external entity was read").doesNotContain("root:x:0:0");
    }

    @Provide
    Arbitrary<String> fhirXml() {
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE Patient [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + PATIENT_XML.replace("Fuzzer", "&x;");
        String laughs = "<?xml version=\"1.0\"?><!DOCTYPE Patient [<!ENTITY a \"aaaaaaaaaa\">"
                + "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
                + "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">]>"
                + PATIENT_XML.replace("Fuzzer", "&e;");
        return Arbitraries.oneOf(
                Hostile.corrupt(PATIENT_XML), Arbitraries.of(xxe, laughs, PATIENT, "<", "<?xml version=\"1.0\"?>"),
                Combinators.combine(Arbitraries.oneOf(Arbitraries.of(PATIENT_ELEMENTS), Hostile.strings()), Hostile.strings())
                        .as((e, v) -> PATIENT_XML.replace("<gender value=\"female\"/>", "<" + e + " value=\"" + v + "\"/>")),
                Hostile.strings().map(v -> PATIENT_XML.replace("1970-01-01", xmlEscape(v))),
                Hostile.deep("<extension>", "</extension>").map(d -> PATIENT_XML.replace("<gender", d + "<gender")),
                Hostile.strings().map(s -> "<" + s + ">"));
    }

    // ---- search parameters ----

    @Property(shrinking = ShrinkingMode.OFF)
    void searchParameters(@ForAll("searchType") String type, @ForAll("searchQuery") String query) {
        String before = server.fingerprint();
        String path = "/fhir/" + URLEncoder.encode(type, StandardCharsets.UTF_8).replace("+", "%20") + "?" + query;
        HttpResponse<String> r = server.send(server.request(path).header("Accept", "application/fhir+json").GET());
        server.check(r, path);
        assertThat(server.fingerprint()).as("a search changed the data").isEqualTo(before);
    }

    @Provide
    Arbitrary<String> searchType() {
        return Arbitraries.oneOf(Arbitraries.of(TYPES), Hostile.strings().filter(s -> !s.isEmpty()));
    }

    @Provide
    Arbitrary<String> searchQuery() {
        Arbitrary<String> name = Arbitraries.oneOf(Arbitraries.of("_id", "_count", "_sort", "_include", "_revinclude",
                "_elements", "_summary", "_total", "_lastUpdated", "_has:Observation:patient:code", "name", "family",
                "given", "birthdate", "gender", "identifier", "code", "patient", "subject", "subject:Patient.name",
                "date", "value-quantity", "status", "encounter", "_text", "_content", "_filter", "_format", "_pretty",
                "_getpages", "_getpagesoffset", "page", "_cursor"), Hostile.strings());
        Arbitrary<String> modifier = Arbitraries.oneOf(Arbitraries.of("", "", "", ":exact", ":contains", ":missing",
                ":not", ":above", ":below", ":text", ":in", ":not-in", ":identifier", ":of-type", ":Patient", ":iterate"),
                Hostile.strings().map(s -> ":" + s));
        Arbitrary<String> value = Arbitraries.oneOf(
                Combinators.combine(Arbitraries.of("", "eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap", "zz"),
                        Arbitraries.of("2025-01-01", "2025", "1970-01-01T00:00:00Z", "72", "-1", "1e309", "0.000001",
                                "72|http://unitsofmeasure.org|/min", "http://loinc.org|8867-4", "|8867-4", "http://loinc.org|",
                                "Patient/x", "Observation:subject", "*", "-_lastUpdated", "1000000000", "true"))
                        .as(String::concat),
                Hostile.strings());
        Arbitrary<String> param = Combinators.combine(name, modifier, value)
                .as((n, m, v) -> enc(n + m) + "=" + enc(v));
        return param.list().ofMinSize(1).ofMaxSize(5).map(l -> String.join("&", l));
    }

    // ---- NDJSON import lines ----

    @Property(shrinking = ShrinkingMode.OFF)
    void ndjsonImportLines(@ForAll("ndjsonLines") List<String> lines) throws Exception {
        String before = server.fingerprint();
        Path dir = Files.createTempDirectory(Path.of("target"), "fuzz-ndjson");
        Path file = dir.resolve("Fuzz.ndjson");
        // as bytes: a lone surrogate becomes '?' (String.getBytes) instead of failing the write
        Files.write(file, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        FuzzServer.INPUTS.addAndGet(lines.size());
        ImportProgress done;
        try {
            done = server.importNdjsonOrBundles(List.of(file));
        } finally {
            org.springframework.util.FileSystemUtils.deleteRecursively(dir);
        }
        if (done.written() == 0) {
            assertThat(server.fingerprint()).as("rejected lines changed the data: %s", lines).isEqualTo(before);
        }
        if (lines.stream().anyMatch(l -> !l.isBlank())) { // blank lines are skipped, as NDJSON readers do
            assertThat(done.failed() + done.written() + done.unchanged()).as("every line accounted for").isPositive();
        }
    }

    @Provide
    Arbitrary<List<String>> ndjsonLines() {
        Arbitrary<String> line = Arbitraries.oneOf(
                Hostile.corrupt(PATIENT), Hostile.json(2), Hostile.strings().map(s -> s.replace("\n", " ").replace("\r", " ")),
                Hostile.strings().map(s -> PATIENT.replace("female", s.replace("\"", "").replace("\\", ""))),
                Hostile.strings().map(s -> "{\"resourceType\":" + Hostile.quote(s) + "}"),
                Arbitraries.of("{}", "[]", "null", "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{}]}"))
                .filter(s -> !s.contains("\n") && !s.contains("\r"));
        return line.list().ofMinSize(1).ofMaxSize(6);
    }

    // ---- GraphQL queries and variables ----

    @Property(shrinking = ShrinkingMode.OFF)
    void graphqlQueries(@ForAll("graphqlQuery") String query) {
        graphql("{\"query\":" + Hostile.quote(query) + "}", query);
    }

    @Provide
    Arbitrary<String> graphqlQuery() {
        String journey = "{ patient(id: \"x\") { id name journey(first: 5) { edges { node { type time display } } } } }";
        Arbitrary<String> literal = Arbitraries.oneOf(Hostile.strings().map(Hostile::quote), Hostile.strings(),
                Arbitraries.integers().map(String::valueOf), Hostile.json(2));
        return Arbitraries.oneOf(
                Hostile.corrupt(journey),
                literal.map(v -> "{ patient(id: " + v + ") { id name } }"),
                literal.map(v -> "{ cohort(criteria: " + v + ") { count } }"),
                literal.map(v -> "{ concepts(search: " + v + ") { code display } }"),
                Combinators.combine(literal, literal).as((a, b) -> "{ similarPatients(id: " + a + ", k: " + b + ") { score } }"),
                Combinators.combine(literal, literal, literal).as((a, b, c) -> "{ pathways(start: [{system: " + a
                        + ", code: " + b + "}], steps: " + c + ", windowDays: 30, minSupport: 1) { cohortSize } }"),
                literal.map(v -> "mutation { saveCohort(criteria: " + v + ", name: \"fuzz\") { id } }"),
                Hostile.deep("{ patient(id: \"x\") { journey(first: 1) { edges { node { encounter ", "} } } } }"),
                Arbitraries.integers().between(100, 3000).map(n -> "{ " + java.util.stream.IntStream.range(0, n)
                        .mapToObj(i -> "a" + i + ": __typename").collect(Collectors.joining(" ")) + " }"),
                Arbitraries.of("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
                        "{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }",
                        "{ __typename @include(if: true) @skip(if: false) @nope }", "subscription { x }", "", "{}", "{ }"),
                Hostile.strings());
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void graphqlVariables(@ForAll("graphqlWithVariables") String query, @ForAll("variables") String variables) {
        graphql("{\"query\":" + Hostile.quote(query) + ",\"variables\":" + variables + "}", variables);
    }

    @Provide
    Arbitrary<String> graphqlWithVariables() {
        return Arbitraries.of(
                "query($id: ID!) { patient(id: $id) { id name } }",
                "query($c: CohortCriteria!) { cohort(criteria: $c) { count } }",
                "query($s: String!) { concepts(search: $s) { code } }",
                "query($id: ID!, $k: Int!) { similarPatients(id: $id, k: $k) { score } }",
                "mutation($c: CohortCriteria!, $n: String!) { saveCohort(criteria: $c, name: $n) { id } }");
    }

    @Provide
    Arbitrary<String> variables() {
        Arbitrary<String> value = Hostile.json(3);
        return Arbitraries.oneOf(
                Combinators.combine(value, value, value, value)
                        .as((id, c, s, k) -> "{\"id\":" + id + ",\"c\":" + c + ",\"s\":" + s + ",\"k\":" + k + ",\"n\":" + s + "}"),
                value);
    }

    private void graphql(String body, String input) {
        String before = server.fingerprint();
        HttpResponse<String> r = server.send(server.request("/graphql").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        boolean refused = r.statusCode() >= 400 || r.body().contains("\"errors\"");
        server.check(r.statusCode(), refused, r.body(), input);
        if (refused) assertThat(server.fingerprint()).as("a refused GraphQL request changed the data").isEqualTo(before);
    }

    // ---- Cypher ----

    @Property(shrinking = ShrinkingMode.OFF)
    void cypher(@ForAll("cypherQuery") String query, @ForAll("cypherOptions") String options) {
        String before = server.fingerprint();
        String body = "{\"query\":" + Hostile.quote(query) + options + "}";
        HttpResponse<String> r = server.send(server.request("/cypher").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        // 504 is the endpoint's documented answer when the database stopped a query at its timeout
        server.check(r, body, 504);
        if (r.statusCode() == 504) assertThat(r.body()).contains("TIMEOUT");
        assertThat(server.fingerprint()).as("the read-only endpoint changed the data: %s", query).isEqualTo(before);
    }

    @Provide
    Arbitrary<String> cypherQuery() {
        Arbitrary<String> literal = Arbitraries.oneOf(Hostile.strings().map(Hostile::quote), Hostile.strings());
        return query(
                Arbitraries.of("CREATE (:Fuzz)", "MATCH (n) DETACH DELETE n", "MATCH (p:Patient) SET p.name = 'x'",
                        "MERGE (n:Patient {key: 'Patient/x'})", "MATCH (p:Patient) REMOVE p:Patient",
                        "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l", "CALL dbms.security.listUsers()",
                        "CALL db.createLabel('Fuzz')", "SHOW USERS", "USE system SHOW DATABASES",
                        "CREATE INDEX fuzz FOR (n:Fuzz) ON (n.x)", "DROP CONSTRAINT resource_key",
                        "FOREACH (i IN [1] | CREATE (:Fuzz))", "CALL { CREATE (:Fuzz) } IN TRANSACTIONS",
                        "MATCH (n) RETURN n; MATCH (m) DETACH DELETE m", "CALL apoc.cypher.runWrite('CREATE (:Fuzz)', {})",
                        "MATCH (p:Patient) RETURN date(p.birthDate + 'x')", "MATCH (p:Patient) RETURN toInteger(p.json) + 1",
                        "MATCH (p:Patient) RETURN p.json[0..3] + 1", "UNWIND range(1, 100000000) AS x RETURN count(x)",
                        "MATCH (a), (b), (c) RETURN count(*)", "MATCH p = (a)-[*]-(b) RETURN count(p)",
                        "RETURN 1/0", "RETURN $missing", "CALL db.labels() YIELD x", ":begin", "EXPLAIN CREATE (:Fuzz)",
                        "PROFILE MATCH (n) DELETE n", "CYPHER runtime=interpreted MATCH (n) SET n.x = 1"),
                Hostile.corrupt("MATCH (p:Patient)-[:SUBJECT]-(e) RETURN p.id, count(e) ORDER BY p.id LIMIT 5"),
                literal.map(v -> "MATCH (p:Patient) WHERE p.id = " + v + " RETURN p.id"),
                literal.map(v -> "RETURN " + v),
                Hostile.deep("RETURN [", "]"));
    }

    /** An analysts' query language: its hostile fixed statements, a valid query corrupted, literals, deep nesting. */
    private static Arbitrary<String> query(Arbitrary<String> fixed, Arbitrary<String> corrupted, Arbitrary<String> matched,
                                           Arbitrary<String> returned, Arbitrary<String> deep) {
        return Arbitraries.oneOf(fixed, corrupted, matched, returned, deep, Hostile.strings());
    }

    /** A query endpoint's other fields: a small timeout (the expensive queries stop in a second or two) and junk. */
    private static Arbitrary<String> options(List<String> fixed, String... fields) {
        return Arbitraries.oneOf(
                Arbitraries.of(fixed),
                Combinators.combine(Hostile.json(2), Arbitraries.of(fields))
                        .as((v, k) -> ",\"timeoutSeconds\":1,\"" + k + "\":" + v),
                Hostile.json(2).map(v -> ",\"timeoutSeconds\":1,\"parameters\":{\"missing\":" + v + "}"));
    }

    @Provide
    Arbitrary<String> cypherOptions() {
        return options(List.of(",\"timeoutSeconds\":1", ",\"timeoutSeconds\":2,\"limit\":3"),
                "limit", "parameters", "timeoutSeconds", "x");
    }

    // ---- SQL ----

    @Property(shrinking = ShrinkingMode.OFF)
    void sql(@ForAll("sqlQuery") String query, @ForAll("sqlOptions") String options) {
        server.awaitSqlStore(); // earlier properties' writes reach the SQL store in the background
        String before = server.fingerprint();
        String tables = server.sqlFingerprint();
        String body = "{\"query\":" + Hostile.quote(query) + options + "}";
        HttpResponse<String> r = server.send(server.request("/sql").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        // the endpoint's documented 5xx: 503 when a value does not fit in memory or every slot is held (an abandoned
        // statement keeps its slot until DuckDB lets go), 504 at the query's timeout
        server.check(r, body, 503, 504);
        if (r.statusCode() >= 500) assertThat(r.body()).containsAnyOf("OUT_OF_MEMORY", "BUSY", "TIMEOUT");
        assertThat(server.fingerprint()).as("SQL changed the graph: %s", query).isEqualTo(before);
        assertThat(server.sqlFingerprint()).as("SQL changed the SQL store: %s", query).isEqualTo(tables);
    }

    @Provide
    Arbitrary<String> sqlQuery() {
        Arbitrary<String> literal = Arbitraries.oneOf(Hostile.strings().map(v -> "'" + v.replace("'", "''") + "'"),
                Hostile.strings());
        return query(
                Arbitraries.of("DROP TABLE patients", "DELETE FROM patients", "UPDATE patients SET gender = 'x'",
                        "INSERT INTO patients (id) VALUES ('x')", "CREATE TABLE fuzz AS SELECT 1",
                        "CREATE OR REPLACE VIEW patients AS SELECT 1", "ALTER TABLE patients RENAME TO p2",
                        "COPY patients TO '/tmp/fuzz.csv'", "EXPORT DATABASE '/tmp/fuzz'", "ATTACH '/tmp/fuzz.db' AS f",
                        "INSTALL httpfs", "LOAD httpfs", "SET threads = 1", "PRAGMA database_list",
                        "SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM read_text('/etc/hostname')",
                        "SELECT * FROM glob('/*')", "SELECT getenv('HOME')", "SELECT * FROM duckdb_settings()",
                        "SELECT * FROM read_parquet('http://127.0.0.1:1/x.parquet')", "CALL pragma_version()",
                        "SELECT 1; DROP TABLE patients", "BEGIN TRANSACTION", "CHECKPOINT", "VACUUM",
                        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
                        "SELECT count(*) FROM range(10000000000) a", "SELECT repeat('x', 300000000)",
                        "SELECT 1/0", "SELECT CAST('x' AS INTEGER)", "SELECT :missing", "SELECT $1", "SELECT ?",
                        "SELECT * FROM cg.state", "SELECT * FROM information_schema.tables", "DESCRIBE patients",
                        "SUMMARIZE patients", "EXPLAIN ANALYZE SELECT * FROM patients", "SELECT * FROM no_such_table"),
                Hostile.corrupt("SELECT p.gender, count(*) AS n FROM patients p JOIN observations o ON o.patient_id = p.id "
                        + "GROUP BY p.gender ORDER BY n DESC LIMIT 5"),
                literal.map(v -> "SELECT id FROM patients WHERE gender = " + v),
                literal.map(v -> "SELECT " + v),
                Hostile.deep("SELECT (", ")"));
    }

    @Provide
    Arbitrary<String> sqlOptions() {
        return options(List.of(",\"timeoutSeconds\":1", ",\"timeoutSeconds\":2,\"limit\":3",
                        ",\"timeoutSeconds\":1,\"format\":\"csv\"", ",\"timeoutSeconds\":1,\"format\":\"parquet\""),
                "limit", "parameters", "timeoutSeconds", "format", "header", "x");
    }

    // ---- shared checks ----

    /** A write's answer: the contract, and a refused write left the graph as it was. */
    private static void checkWrite(HttpResponse<String> r, String input, String before) {
        server.check(r, input);
        if (r.statusCode() >= 400) {
            assertThat(server.fingerprint()).as("a refused write (%d) changed the data: %s", r.statusCode(),
                    FuzzServer.abbreviate(input)).isEqualTo(before);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String xmlEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace("\"", "&quot;");
    }
}
