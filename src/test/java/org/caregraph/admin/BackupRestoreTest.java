package org.caregraph.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.caregraph.CliProcess;
import org.caregraph.GraphTest;
import org.caregraph.graph.EmbeddedNeo4j;
import org.caregraph.graph.GraphCheck;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.GraphSchema;
import org.caregraph.graph.GraphWriter;
import org.caregraph.graph.Neo4jProperties;
import org.caregraph.graph.PatientCompartment;
import org.caregraph.graph.ResourceMapper;
import org.caregraph.security.AccessContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Record;
import org.neo4j.driver.Values;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * caregraph backup of a running server and caregraph restore into an empty data directory:
 * <ul>
 * <li>on the Synthea fixture with versions, deletions, a re-creation, and nodes of labels the graph does not know yet
 *     (a user and a client with temporal properties): the restored store, served by its own process, answers every
 *     read, every version and the searches exactly as the original; `stats` are equal; and a backup of the restored
 *     store holds the same graph, node for node and relationship for relationship;</li>
 * <li>taken while clients write: the restored store is a cut — each client's writes up to one point, transactions
 *     whole — every resource at the version it had at the cut, with every earlier version, as the original's history
 *     shows, and it passes caregraph check.</li>
 * </ul>
 */
class BackupRestoreTest extends GraphTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AccessContext SERVICE = AccessContext.service("test");
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir Path dir;
    @Autowired private PatientCompartment compartment;
    @Autowired private MeterRegistry meters;
    @Autowired private ResourceMapper mapper;
    @Autowired private org.caregraph.sql.SqlStore sqlStore;

    private String base() {
        return "http://127.0.0.1:" + httpPort;
    }

    @Test
    void aBackupOfTheFixtureRestoresToAStoreThatAnswersAlike() throws Exception {
        requireFixture();
        clearGraph();
        importPaths(SYNTHEA);
        // versions, a deletion, and a deletion undone, as clients make them
        String observation = key("MATCH (o:Observation) RETURN o.key AS key ORDER BY key LIMIT 1");
        ObjectNode obs = (ObjectNode) JSON.readTree(query("MATCH (o {key: $k}) RETURN o.json AS json", "k", observation)
                .getFirst().get("json").asString());
        obs.put("status", "amended");
        assertThat(send("PUT", base() + "/fhir/" + observation, obs.toString(), systemToken()).statusCode()).isEqualTo(200);
        assertThat(send("DELETE", base() + "/fhir/" + key("MATCH (c:Condition) RETURN c.key AS key ORDER BY key LIMIT 1"),
                null, systemToken()).statusCode()).isEqualTo(200);
        String immunization = key("MATCH (i:Immunization) RETURN i.key AS key ORDER BY key LIMIT 1");
        String immunizationJson = query("MATCH (i {key: $k}) RETURN i.json AS json", "k", immunization).getFirst().get("json").asString();
        assertThat(send("DELETE", base() + "/fhir/" + immunization, null, systemToken()).statusCode()).isEqualTo(200);
        assertThat(send("PUT", base() + "/fhir/" + immunization, immunizationJson, systemToken()).statusCode()).isEqualTo(201);
        // what the authorization server will keep in the graph: every label is backed up, temporal values too
        query("CREATE (:User {name: 'backup-test', created: datetime('2026-01-02T03:04:05.123Z'), born: date('1990-05-06')})"
                + "-[:MAY_USE {since: localdatetime('2026-01-02T03:04:05')}]->(:Client {clientId: 'backup-test', "
                + "scopes: ['system/*.rs', 'system/caregraph.admin'], weight: 1.0, uses: 3, ttl: duration('PT1H')})");

        Path backup = dir.resolve("backup");
        CliProcess.Result b = CliProcess.inProcess("backup", backup.toString(), "--server", base(), "--token", systemToken());
        assertThat(b.exit()).as(b.output()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(backup))).as("it holds PHI").isEqualTo("rwx------");
        JsonNode manifest = JSON.readTree(backup.resolve("manifest.json").toFile());
        assertThat(manifest.get("consistency").asText()).isEqualTo("watched");
        assertThat(manifest.get("nodesPerLabel").get("Client").asLong()).isEqualTo(1);
        assertThat(manifest.get("relationshipsPerType").get("MAY_USE").asLong()).isEqualTo(1);
        assertThat(manifest.get("auditLog").get("sequence").asLong()).as("the audit log's position at the cut").isPositive();
        assertThat(manifest.get("auditLog").get("hash").asText()).hasSize(64);
        assertThat(CliProcess.inProcess("backup", backup.toString(), "--server", base(), "--token", systemToken()).exit())
                .as("a backup never overwrites one").isEqualTo(1);

        Path restored = dir.resolve("restored");
        CliProcess.Result r = CliProcess.run(dir, "restore", backup.toString(), "--data-dir", restored.toString(),
                "--bolt-port", "0", "--json");
        assertThat(r.exit()).as(r.output()).isZero();
        JsonNode outcome = JSON.readTree(r.output().substring(r.output().indexOf("{\n"), r.output().lastIndexOf('}') + 1));
        assertThat(outcome.get("stats").toString()).as("stats of the restored store")
                .isEqualTo(JSON.writeValueAsString(stats.read()));
        CliProcess.Result again = CliProcess.run(dir, "restore", backup.toString(), "--data-dir", restored.toString(), "--bolt-port", "0");
        assertThat(again.exit()).as("restore fills an empty store only").isEqualTo(1);
        assertThat(again.output()).contains("not empty");

        CliProcess.Server server = CliProcess.serve(dir, restored, Map.of());
        try {
            sameAnswers(server.url(), server.token());
            sameSql(server.url(), server.token());
            Path second = dir.resolve("backup-of-restored");
            CliProcess.Result b2 = CliProcess.inProcess("backup", second.toString(), "--server", server.url(), "--token", server.token());
            assertThat(b2.exit()).as(b2.output()).isZero();
            assertThat(canonical(second)).as("the restored graph, node for node").isEqualTo(canonical(backup));
            assertThat(CliProcess.inProcess("check", "--server", server.url(), "--token", server.token()).exit()).isZero();
        } finally {
            server.stop();
        }
        clearGraph();
    }

    @Test
    void aBackupTakenWhileClientsWriteIsACut() throws Exception {
        requireFixture();
        clearGraph();
        importPaths(SYNTHEA);
        WriteLoad load = new WriteLoad(base(), systemToken(), 4, "bk" + System.nanoTime() % 100_000);
        load.start();
        long[] least;
        long[] most;
        Path backup = dir.resolve("backup");
        try {
            waitFor(() -> load.acknowledged() >= 60);
            least = load.acknowledgedEach();
            CliProcess.Result b = CliProcess.inProcess("backup", backup.toString(), "--server", base(), "--token", systemToken());
            most = load.begunEach();
            assertThat(b.exit()).as(b.output()).isZero();
            long after = load.acknowledged();
            waitFor(() -> load.acknowledged() >= after + 20); // and the original moves on
        } finally {
            load.stop();
        }
        JsonNode manifest = JSON.readTree(backup.resolve("manifest.json").toFile());
        OffsetDateTime cut = OffsetDateTime.parse(manifest.get("cut").asText());

        Neo4jProperties props = new Neo4jProperties(null, EmbeddedNeo4j.USER, null, dir.resolve("restored"), "127.0.0.1", 0, "64m",
                null, null);
        try (EmbeddedNeo4j db = new EmbeddedNeo4j(props);
             Driver driver2 = GraphDatabase.driver(db.boltUri(), AuthTokens.basic(EmbeddedNeo4j.USER, db.password()))) {
            GraphReader reader2 = new GraphReader(driver2, Duration.ofMinutes(5), meters, compartment);
            var beans = new org.springframework.beans.factory.support.StaticListableBeanFactory(Map.of("embedded", db));
            // writes in-process on the embedded store, as the application's; no SQL store here to tell of them
            GraphWriter writer2 = new GraphWriter(driver2, beans.getBeanProvider(EmbeddedNeo4j.class), compartment, event -> { });
            GraphSchema schema2 = new GraphSchema(driver2);
            schema2.afterPropertiesSet();
            new GraphRestore(reader2, writer2, schema2).restore(new BackupFile.Reader(backup.resolve("graph.ndjson.gz")), line -> { });

            load.verify(new GraphStore(driver2), least, most);
            GraphCheck.Report report = new GraphCheck(reader2, writer2, mapper).run(SERVICE, n -> { });
            assertThat(report.violations()).as("caregraph check of the restored cut").isEmpty();

            // every resource as it stood at the cut, with its history, by the original's own history
            Map<String, List<Map<String, Object>>> original = histories(driver);
            Map<String, List<Map<String, Object>>> copy = histories(driver2);
            for (Map.Entry<String, List<Map<String, Object>>> e : original.entrySet()) {
                List<Map<String, Object>> atCut = e.getValue().stream()
                        .filter(v -> !OffsetDateTime.parse((String) v.get("lastUpdated")).isAfter(cut)).toList();
                assertThat(copy.getOrDefault(e.getKey(), List.of())).as("%s at the cut %s", e.getKey(), cut).isEqualTo(atCut);
            }
            assertThat(original.keySet()).containsAll(copy.keySet());
        }
        clearGraph();
    }

    /** Every version of every resource (json, version, time, deletion), oldest first, by key. */
    private static Map<String, List<Map<String, Object>>> histories(Driver d) {
        Map<String, List<Map<String, Object>>> out = new TreeMap<>();
        try (var s = d.session()) {
            s.run("""
                    MATCH (n:Resource) WHERE n.placeholder IS NULL
                    CALL (n) {
                      RETURN n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated, n.deleted AS deleted
                      UNION ALL
                      MATCH (v:Version)-[:VERSION_OF]->(n)
                      RETURN v.json AS json, v.versionId AS versionId, v.lastUpdated AS lastUpdated, v.deleted AS deleted
                    }
                    RETURN n.key AS key, json, versionId, lastUpdated, coalesce(deleted, false) AS deleted
                    ORDER BY key, versionId""").forEachRemaining(r -> out.computeIfAbsent(r.get("key").asString(), k -> new ArrayList<>())
                    .add(Map.of("json", r.get("json").asString(""), "versionId", r.get("versionId").asLong(),
                            "lastUpdated", r.get("lastUpdated").asString(), "deleted", r.get("deleted").asBoolean())));
        }
        return out;
    }

    /** A restored store read directly, for WriteLoad's model. */
    private record GraphStore(Driver driver) implements WriteLoad.Store {
        @Override
        public WriteLoad.Seen read(String key) {
            try (var s = driver.session()) {
                List<Record> rows = s.run("MATCH (n:Resource {key: $k}) WHERE n.placeholder IS NULL "
                        + "RETURN n.json AS json, n.versionId AS v, n.deleted AS deleted", Values.parameters("k", key)).list();
                if (rows.isEmpty()) return WriteLoad.Seen.ABSENT;
                Record r = rows.getFirst();
                if (!r.get("deleted").isNull()) return WriteLoad.Seen.DELETED;
                return new WriteLoad.Seen(true, false, r.get("v").asLong(), WriteLoad.marker(JSON.readTree(r.get("json").asString())));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public long count(String type, String identifier) {
            try (var s = driver.session()) {
                return s.run("MATCH (n:Resource)-[:IDENTIFIED_BY]->(:Identifier {key: $k}) WHERE n.deleted IS NULL RETURN count(n) AS c",
                        Values.parameters("k", type + "|" + WriteLoad.SYSTEM + "|" + identifier)).single().get("c").asLong();
            }
        }
    }

    /**
     * The restored server answers as the original: every resource's read (body, ETag, Last-Modified) and history, and
     * searches of every kind over the data (every type paged through, by patient, by code, by name, dates, a chain,
     * _revinclude, $everything).
     */
    private void sameAnswers(String restored, String restoredToken) throws Exception {
        List<String> requests = new ArrayList<>();
        for (Record r : query("MATCH (n:Resource) WHERE n.placeholder IS NULL RETURN n.key AS key ORDER BY key")) {
            String key = r.get("key").asString();
            requests.add("/fhir/" + key);
            requests.add("/fhir/" + key + "/_history");
        }
        for (Record r : query("MATCH (n:Resource) WHERE n.placeholder IS NULL AND n.deleted IS NULL RETURN DISTINCT n.resourceType AS t ORDER BY t")) {
            requests.add("/fhir/" + r.get("t").asString() + "?_count=200");
        }
        for (Record r : query("MATCH (p:Patient) WHERE p.deleted IS NULL RETURN p.id AS id, p.`sp.family`[0] AS family ORDER BY id")) {
            String id = r.get("id").asString();
            requests.add("/fhir/Observation?patient=" + id + "&_count=500");
            requests.add("/fhir/Encounter?patient=" + id + "&_sort=-date&_count=100");
            requests.add("/fhir/Condition?subject=Patient/" + id + "&clinical-status=active");
            requests.add("/fhir/Patient?_id=" + id + "&_revinclude=Encounter:subject");
            requests.add("/fhir/Patient/" + id + "/$everything?_count=1000");
            if (!r.get("family").isNull()) {
                String family = URLEncoder.encode(r.get("family").asString(), StandardCharsets.UTF_8);
                requests.add("/fhir/Patient?name=" + family);
                requests.add("/fhir/Observation?subject:Patient.name=" + family + "&code=8302-2");
            }
        }
        String code = query("MATCH (:Condition)-[:CODED]->(k:Concept) RETURN k.code AS code, count(*) AS n ORDER BY n DESC, code LIMIT 1")
                .getFirst().get("code").asString();
        requests.addAll(List.of("/fhir/Condition?code=" + code + "&_count=50", "/fhir/Observation?code=8302-2&_sort=date",
                "/fhir/Encounter?date=ge2020-01-01&_count=500", "/fhir/Observation?value-quantity=gt100&_count=500",
                "/fhir/Immunization?status=completed&_count=500", "/fhir/_history?_count=500", "/fhir/Patient?gender=female"));
        // thousands of request pairs: four at a time (both servers answer concurrent clients anyway)
        String token = systemToken();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            List<java.util.concurrent.Future<?>> compared = new ArrayList<>();
            for (String path : requests) {
                compared.add(pool.submit(() -> {
                    sameAnswer(path, restored, restoredToken, token);
                    return null;
                }));
            }
            for (var f : compared) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof AssertionError a) throw a;
                    throw e;
                }
            }
        }
    }

    private void sameAnswer(String path, String restored, String restoredToken, String token) throws Exception {
        HttpResponse<String> a = send("GET", base() + path, null, token);
        HttpResponse<String> b = send("GET", restored + path, null, restoredToken);
        assertThat(b.statusCode()).as(path).isEqualTo(a.statusCode());
        // a resource's version and time; a Bundle's (history, search) are the moment of the request
        if (!"Bundle".equals(JSON.readTree(a.body()).path("resourceType").asText())) {
            assertThat(b.headers().firstValue("ETag")).as(path).isEqualTo(a.headers().firstValue("ETag"));
            assertThat(b.headers().firstValue("Last-Modified")).as(path).isEqualTo(a.headers().firstValue("Last-Modified"));
        }
        assertThat(comparable(b.body(), restored)).as(path).isEqualTo(comparable(a.body(), base()));
    }

    /**
     * The restored server's SQL store, which its first start builds from the restored graph (restore leaves it to),
     * answers as the original's. Both stores follow their graph asynchronously: polled until they agree, 3 minutes at most.
     */
    private void sameSql(String restored, String restoredToken) throws Exception {
        // this process's store saw earlier tests' graphs cleared behind the writer's back (clearGraph): built anew
        sqlStore.rebuild();
        assertThat(sqlStore.awaitIdle(Duration.ofMinutes(2))).isTrue();
        for (String table : List.of("patients", "encounters", "observations", "conditions", "immunizations")) {
            String body = JSON.writeValueAsString(Map.of("query", "SELECT * FROM " + table + " ORDER BY ALL", "limit", 10_000));
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            JsonNode a;
            JsonNode b;
            do {
                a = sqlRows(base(), systemToken(), body);
                b = sqlRows(restored, restoredToken, body);
                if (a != null && a.equals(b)) break;
                Thread.sleep(500);
            } while (System.nanoTime() < deadline);
            assertThat(a).as("rows of %s", table).isNotNull().isNotEmpty();
            assertThat(b).as("rows of %s", table).isEqualTo(a);
        }
    }

    /** The rows POST /sql answers, or null while the store is not ready (503). */
    private JsonNode sqlRows(String server, String token, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server + "/sql")).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 503) return null;
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).get("rows");
    }

    /** A response body without what names the server (its base URL) or the moment (a Bundle's own id and time). */
    private static JsonNode comparable(String body, String server) throws Exception {
        JsonNode tree = JSON.readTree(body.replace(server, "BASE"));
        if (tree instanceof ObjectNode o && "Bundle".equals(o.path("resourceType").asText())) {
            o.remove("id");
            o.remove("meta");
            if (o.get("link") instanceof ArrayNode links) {
                // paging links carry the server's own search ids: what matters is which exist
                List<String> relations = new ArrayList<>();
                links.forEach(l -> relations.add(l.path("relation").asText()));
                o.set("link", JSON.valueToTree(relations));
            }
        }
        return tree;
    }

    /**
     * A backup's graph independent of element ids: each node by its key (or, for a node without one, its labels and
     * properties), with its labels, properties and outgoing relationships to the keys of their ends.
     */
    private static Map<String, String> canonical(Path backupDir) throws Exception {
        BackupFile.Reader reader = new BackupFile.Reader(backupDir.resolve("graph.ndjson.gz"));
        Map<String, String> names = new HashMap<>();
        reader.forEachNode(n -> names.put(n.id(), name(n)));
        Map<String, String> out = new TreeMap<>();
        reader.forEachNode(n -> {
            if (demoAccess(n)) return;
            List<String> rels = new ArrayList<>();
            for (BackupFile.Rel r : n.out()) rels.add(r.type() + " " + new TreeMap<>(r.props()) + " -> " + names.get(r.to()));
            rels.sort(null);
            String was = out.put(names.get(n.id()), new TreeMap<>(n.props()) + " " + rels);
            assertThat(was).as("one node named %s", names.get(n.id())).isNull();
        });
        return out;
    }

    /**
     * The client and user that {@code serve --demo} (how CliProcess starts the restored server) registers on each
     * start: the restored server's own, not the backup's.
     */
    private static boolean demoAccess(BackupFile.Node n) {
        return n.labels().contains("Client") && "caregraph-demo".equals(n.props().get("id"))
                || n.labels().contains("User") && "demo".equals(n.props().get("name"));
    }

    private static String name(BackupFile.Node n) {
        List<String> labels = new ArrayList<>(n.labels());
        labels.sort(null);
        Object key = n.props().get("key");
        return labels + " " + (key != null ? key : new TreeMap<>(n.props()).toString());
    }

    private String key(String cypher) {
        return query(cypher).getFirst().get("key").asString();
    }

    private HttpResponse<String> send(String method, String url, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                .header("Accept", "application/fhir+json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/fhir+json");
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited too long").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

}
