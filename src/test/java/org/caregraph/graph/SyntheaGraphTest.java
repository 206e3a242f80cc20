package org.caregraph.graph;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.File;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.caregraph.GraphTest;
import org.caregraph.ingest.ImportProgress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.neo4j.driver.Record;

/** Every resource of the Synthea sample, imported and read back; the graph model derived from it, checked independently. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
// the FHIR → graph model as received: NLP, on by default, adds its analysis and derived resources (tested on its own)
@org.springframework.test.context.TestPropertySource(properties = "caregraph.nlp.enabled=false")
class SyntheaGraphTest extends GraphTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** key → input resource with urn:uuid references resolved as a FHIR server resolves them in a transaction. */
    private final Map<String, JsonNode> expected = new TreeMap<>();
    private final Map<String, String> urnToKey = new HashMap<>();
    private ImportProgress first;

    @BeforeAll
    void importSample() throws Exception {
        requireFixture();
        clearGraph();
        for (File f : SYNTHEA.toFile().listFiles()) {
            for (JsonNode e : JSON.readTree(f).get("entry")) {
                JsonNode r = e.get("resource");
                urnToKey.put(e.get("fullUrl").asText(), r.get("resourceType").asText() + "/" + r.get("id").asText());
            }
        }
        for (File f : SYNTHEA.toFile().listFiles()) {
            for (JsonNode e : JSON.readTree(f).get("entry")) {
                ObjectNode r = (ObjectNode) e.get("resource");
                resolveUrns(r);
                expected.put(r.get("resourceType").asText() + "/" + r.get("id").asText(), r);
            }
        }
        first = importPaths(SYNTHEA);
    }

    private void resolveUrns(JsonNode node) {
        if (node instanceof ObjectNode o) {
            JsonNode ref = o.get("reference");
            if (ref != null && ref.isTextual() && urnToKey.containsKey(ref.asText())) {
                o.set("reference", TextNode.valueOf(urnToKey.get(ref.asText())));
            }
        }
        node.forEach(this::resolveUrns);
    }

    @Test
    void everyResourceRoundTripsLosslessly() throws Exception {
        assertThat(first.failed()).isZero();
        assertThat(first.imported()).isEqualTo(expected.size());
        Map<String, JsonNode> stored = new HashMap<>();
        for (Record r : query("MATCH (n:Resource) WHERE n.placeholder IS NULL RETURN n.key AS key, n.json AS json")) {
            stored.put(r.get("key").asString(), JSON.readTree(r.get("json").asString()));
        }
        assertThat(stored.keySet()).isEqualTo(expected.keySet());
        for (var e : expected.entrySet()) {
            assertThat(stored.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        }
        // the sample carries extensions (us-core race/ethnicity) and the round trip kept them
        assertThat(stored.get(expected.keySet().stream().filter(k -> k.startsWith("Patient/")).findFirst().orElseThrow())
                .get("extension")).isNotEmpty();
    }

    @Test
    void resourcesAreLabelledByTypeAndCountsMatchTheInput() {
        Map<String, Long> byType = new TreeMap<>();
        expected.keySet().forEach(k -> byType.merge(k.substring(0, k.indexOf('/')), 1L, Long::sum));
        assertThat(stats.read().resources()).isEqualTo(byType);
        for (var e : byType.entrySet()) {
            long labelled = query("MATCH (n:$($t)) RETURN count(n) AS c", "t", e.getKey()).getFirst().get("c").asLong();
            assertThat(labelled).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void referencesBecomeTypedRelationshipsAndConditionalOnesAreResolved() {
        // every reference in the input, counted independently of the mapper
        long refs = expected.values().stream().mapToLong(SyntheaGraphTest::countReferences).sum();
        long rels = single("MATCH (:Resource)-[r]->(:Resource) WHERE r.path IS NOT NULL RETURN count(r) AS c").get("c") instanceof Long l ? l : -1;
        assertThat(rels).isEqualTo(refs);
        // Synthea names practitioners by identifier (Practitioner?identifier=...): all resolved, no placeholder left
        assertThat(single("MATCH (n:Resource {placeholder: true}) RETURN count(n) AS c").get("c")).isEqualTo(0L);
        assertThat(single("MATCH (:Encounter)-[:PARTICIPANT]->(p:Practitioner) RETURN count(DISTINCT p) AS c").get("c"))
                .isNotEqualTo(0L);
        assertThat(single("MATCH (:Encounter)-[:SERVICE_PROVIDER]->(o:Organization) RETURN count(*) AS c").get("c"))
                .isEqualTo((long) countByType("Encounter"));
        assertThat(single("MATCH (:CareTeam)-[r:PARTICIPANT]->(:Practitioner) RETURN count(r) AS c").get("c")).isNotEqualTo(0L);
        // PractitionerRole names its practitioner and organization by identifier only: resolved all the same
        assertThat(single("MATCH (r:PractitionerRole)-[:PRACTITIONER]->(:Practitioner) MATCH (r)-[:ORGANIZATION]->(:Organization) "
                + "RETURN count(r) AS c").get("c")).isEqualTo((long) countByType("PractitionerRole"));
        Map<String, Object> subject = single("MATCH (c:Condition)-[r:SUBJECT]->(p:Patient) RETURN count(c) AS c, min(r.path) AS path");
        assertThat(subject.get("c")).isEqualTo((long) countByType("Condition"));
        assertThat(subject.get("path")).isEqualTo("Condition.subject");
    }

    @Test
    void codingsAreSharedConcepts() {
        Set<String> codes = new HashSet<>();
        expected.values().forEach(r -> collectCodings(r, codes));
        assertThat(single("MATCH (c:Concept) RETURN count(c) AS c").get("c")).isEqualTo((long) codes.size());
        // a code used by several resources is one node
        Map<String, Object> bp = single("MATCH (c:Concept {key: 'http://loinc.org|85354-9'})<-[r:CODED]-(o:Observation) "
                + "RETURN count(o) AS n, collect(DISTINCT r.path) AS paths");
        assertThat((Long) bp.get("n")).isGreaterThan(1);
        assertThat(bp.get("paths")).isEqualTo(List.of("Observation.code"));
    }

    @Test
    void eachPatientsEncountersAreChainedInTime() {
        for (Record p : query("MATCH (p:Patient) RETURN p.key AS key")) {
            String key = p.get("key").asString();
            List<java.time.Instant> times = expected.values().stream()
                    .filter(r -> r.get("resourceType").asText().equals("Encounter"))
                    .filter(r -> r.at("/subject/reference").asText().equals(key))
                    .map(r -> java.time.OffsetDateTime.parse(r.at("/period/start").asText()).toInstant()).sorted().toList();
            // the graph keeps times in UTC (fixed width), so compare instants
            List<java.time.Instant> chain = query("MATCH (:Patient {key: $k})-[:FIRST_ENCOUNTER]->(f) "
                    + "MATCH path = (f)-[:NEXT*0..]->(e) WHERE NOT (e)-[:NEXT]->() "
                    + "RETURN [n IN nodes(path) | n.time] AS times", "k", key).getFirst().get("times")
                    .asList(v -> java.time.Instant.parse(v.asString()));
            assertThat(chain).as(key).isEqualTo(times);
        }
    }

    @Test
    void importingAgainChangesNothing() {
        GraphStats.Stats before = stats.read();
        ImportProgress again = importPaths(SYNTHEA);
        assertThat(again.written()).isZero();
        assertThat(again.unchanged()).isEqualTo(expected.size());
        assertThat(stats.read()).isEqualTo(before);
        assertThat(single("MATCH (v:Version) RETURN count(v) AS c").get("c")).isEqualTo(0L);
    }

    private long countByType(String type) {
        return expected.keySet().stream().filter(k -> k.startsWith(type + "/")).count();
    }

    /** Distinct (element path, target) pairs of a resource: one relationship each. */
    private static long countReferences(JsonNode resource) {
        Set<String> refs = new HashSet<>();
        collectReferences(resource, resource.get("resourceType").asText(), refs);
        return refs.size();
    }

    private static void collectReferences(JsonNode node, String path, Set<String> out) {
        if (node.isObject()) {
            JsonNode ref = node.get("reference");
            if (ref != null && ref.isTextual() && !ref.asText().startsWith("#")) out.add(path + " " + ref.asText());
            // a logical reference (identifier only) resolves too
            if (ref == null && node.has("identifier") && node.get("identifier").has("value") && path.contains(".")) {
                out.add(path + " " + node.get("identifier").get("value").asText());
            }
            node.properties().forEach(e -> collectReferences(e.getValue(), path + "." + e.getKey(), out));
        } else if (node.isArray()) {
            node.forEach(child -> collectReferences(child, path, out));
        }
    }

    private static void collectCodings(JsonNode node, Set<String> out) {
        if (node.isObject() && node.has("system") && node.has("code") && !node.has("value") && node.get("code").isTextual()) {
            out.add(node.get("system").asText() + "|" + node.get("code").asText());
        }
        for (JsonNode child : node) collectCodings(child, out);
    }
}
