package org.caregraph.graph;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.caregraph.CliProcess;
import org.caregraph.GraphTest;
import org.caregraph.security.AccessContext;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * caregraph check on the Synthea fixture with versions and deletions: clean as the writer leaves it; then each kind of
 * damage is done to the store on purpose with raw Cypher, one resource each, and the check reports exactly those
 * violations (kind and key) and nothing else — in process, and through `caregraph check --server` (exit 2).
 */
class GraphCheckTest extends GraphTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AccessContext SERVICE = AccessContext.service("test");

    @Autowired private GraphCheck check;

    @Test
    void aCleanStoreIsCleanAndEachDamageIsReported() throws Exception {
        requireFixture();
        clearGraph();
        importPaths(SYNTHEA);
        String patient = key("MATCH (p:Patient) WHERE COUNT { (p)-[:FIRST_ENCOUNTER]->()-[:NEXT]->()-[:NEXT]->() } > 0 "
                + "RETURN p.key AS key ORDER BY key LIMIT 1");
        String other = key("MATCH (p:Patient) WHERE p.key > $k AND COUNT { (p)-[:FIRST_ENCOUNTER]->() } > 0 "
                + "RETURN p.key AS key ORDER BY key LIMIT 1", "k", patient);
        // versions and a tombstone, through the FHIR API as a client makes them
        String updated = key("MATCH (o:Observation) RETURN o.key AS key ORDER BY key LIMIT 1");
        JsonNode obs = JSON.readTree(query("MATCH (o {key: $k}) RETURN o.json AS json", "k", updated).getFirst().get("json").asString());
        ((com.fasterxml.jackson.databind.node.ObjectNode) obs).put("status", "amended");
        assertThat(fhir("PUT", "/fhir/" + updated, obs.toString()).statusCode()).isEqualTo(200);
        String deleted = key("MATCH (c:Condition) RETURN c.key AS key ORDER BY key LIMIT 1");
        assertThat(fhir("DELETE", "/fhir/" + deleted, null).statusCode()).isEqualTo(200);

        GraphCheck.Report clean = check.run(SERVICE, n -> { });
        assertThat(clean.violations()).as("the store as the writer left it").isEmpty();
        assertThat(clean.clean()).isTrue();
        assertThat(clean.resources()).isGreaterThan(800);
        assertThat(clean.deleted()).as("the Condition, and derived resources a note's re-analysis replaced").isPositive();
        assertThat(clean.versions()).isGreaterThanOrEqualTo(2);
        assertThat(clean.patients()).isEqualTo(5);
        assertThat(clean.pendingJourneys()).isZero();
        assertThat(CliProcess.inProcess("check", "--server", "http://127.0.0.1:" + httpPort, "--token", systemToken()).exit()).isZero();

        Set<List<String>> expected = new HashSet<>();
        // a reference the JSON names is gone; one it does not name is there
        String observation = key("MATCH (o:Observation)-[:SUBJECT]->() WHERE o.key > $k RETURN o.key AS key ORDER BY key LIMIT 1", "k", updated);
        run("MATCH (:Resource {key: $k})-[r:SUBJECT]->() DELETE r", "k", observation);
        expected.add(List.of("missing-reference", observation));
        String observation2 = key("MATCH (o:Observation) WHERE o.key > $k RETURN o.key AS key ORDER BY key LIMIT 1", "k", observation);
        run("MATCH (o:Resource {key: $k}), (p:Practitioner) WITH o, p LIMIT 1 CREATE (o)-[:PERFORMER {path: 'Observation.performer'}]->(p)",
                "k", observation2);
        expected.add(List.of("unexpected-reference", observation2));
        // a coding gone, one added
        String condition = key("MATCH (c:Condition)-[:CODED]->() WHERE c.deleted IS NULL RETURN c.key AS key ORDER BY key LIMIT 1");
        run("MATCH (:Resource {key: $k})-[r:CODED]->() DELETE r", "k", condition);
        expected.add(List.of("missing-coding", condition));
        String procedure = key("MATCH (p:Procedure) RETURN p.key AS key ORDER BY key LIMIT 1");
        run("MATCH (p:Resource {key: $k}) MERGE (c:Concept {key: 'http://example.org|x'}) CREATE (p)-[:CODED {path: 'Procedure.code'}]->(c)",
                "k", procedure);
        expected.add(List.of("unexpected-coding", procedure));
        // identifiers
        run("MATCH (:Resource {key: $k})-[r:IDENTIFIED_BY]->() DELETE r", "k", other);
        expected.add(List.of("missing-identifier", other));
        String encounter = key("MATCH (e:Encounter) RETURN e.key AS key ORDER BY key DESC LIMIT 1");
        run("MATCH (e:Resource {key: $k}) MERGE (i:Identifier {key: 'Encounter|urn:x|1'}) CREATE (e)-[:IDENTIFIED_BY]->(i)", "k", encounter);
        expected.add(List.of("unexpected-identifier", encounter));
        // a relationship of a kind no resource has
        String organization = key("MATCH (o:Organization) RETURN o.key AS key ORDER BY key LIMIT 1");
        run("MATCH (o:Resource {key: $k}) MERGE (i:Identifier {key: 'Organization|urn:x|2'}) CREATE (o)-[:STANDS_FOR]->(i)", "k", organization);
        expected.add(List.of("unexpected-relationship", organization));
        // search values, facts, compartments, the stored JSON's hash
        String immunization = key("MATCH (i:Immunization) RETURN i.key AS key ORDER BY key LIMIT 1");
        run("MATCH (i:Resource {key: $k}) SET i.`sp.status` = ['entered-in-error']", "k", immunization);
        expected.add(List.of("search-value", immunization));
        run("MATCH (p:Resource {key: $k}) SET p.gender = CASE p.gender WHEN 'male' THEN 'female' ELSE 'male' END", "k", patient);
        expected.add(List.of("node-fact", patient));
        String carePlan = key("MATCH (c:CarePlan) RETURN c.key AS key ORDER BY key LIMIT 1");
        run("MATCH (c:Resource {key: $k}) SET c.compartments = ['Patient/someone-else']", "k", carePlan);
        expected.add(List.of("compartments", carePlan));
        String medication = key("MATCH (m:MedicationRequest) RETURN m.key AS key ORDER BY key LIMIT 1");
        run("MATCH (m:Resource {key: $k}) SET m.hash = 'not-the-hash'", "k", medication);
        expected.add(List.of("stored-json", medication));
        // version chains: a version gone, a version of nothing
        run("MATCH (v:Version)-[:VERSION_OF]->(:Resource {key: $k}) DETACH DELETE v", "k", updated);
        expected.add(List.of("version-chain", updated));
        run("CREATE (:Version {key: 'Patient/nobody/_history/1', versionId: 1, json: '{}'})");
        expected.add(List.of("version-chain", "Patient/nobody/_history/1"));
        // a tombstone that kept search values
        run("MATCH (c:Resource {key: $k}) SET c.`sp.code` = ['http://snomed.info/sct|1']", "k", deleted);
        expected.add(List.of("tombstone", deleted));
        // placeholders: one nothing refers to; one standing for an identifier a practitioner holds
        run("CREATE (:Resource {key: 'Practitioner/ghost', id: 'ghost', resourceType: 'Practitioner', placeholder: true})");
        expected.add(List.of("orphan-placeholder", "Practitioner/ghost"));
        run("MATCH (o:Resource {key: $k}) CREATE (o)-[:PERFORMER {path: 'Observation.performer'}]->(:Resource "
                + "{key: 'Practitioner/filled', id: 'filled', placeholder: true, json: '{}'})", "k", observation2);
        expected.add(List.of("placeholder", "Practitioner/filled"));
        Map<String, Object> participant = query("MATCH (e:Encounter)-[r:PARTICIPANT]->(p:Practitioner)-[:IDENTIFIED_BY]->(i) "
                + "RETURN e.key AS encounter, p.key AS practitioner, i.key AS ident, r.path AS path ORDER BY encounter LIMIT 1").getFirst().asMap();
        String standIn = "Practitioner?identifier=" + participant.get("ident").toString().substring("Practitioner|".length());
        run("MATCH (e:Resource {key: $e})-[r:PARTICIPANT]->(:Resource {key: $p}), (i:Identifier {key: $i}) "
                + "CREATE (s:Resource {key: $s, resourceType: 'Practitioner', placeholder: true})-[:STANDS_FOR]->(i) "
                + "CREATE (e)-[:PARTICIPANT {path: r.path}]->(s) DELETE r",
                "e", participant.get("encounter"), "p", participant.get("practitioner"), "i", participant.get("ident"), "s", standIn);
        expected.add(List.of("unadopted-placeholder", standIn));
        // journeys: a broken chain; a link between two patients' encounters
        run("MATCH (:Resource {key: $k})-[:FIRST_ENCOUNTER]->()-[n:NEXT]->() DELETE n", "k", patient);
        expected.add(List.of("journey", patient));
        String last = key("MATCH (p:Resource {key: $k})<-[:SUBJECT]-(e:Encounter) WHERE NOT (e)-[:NEXT]->() RETURN e.key AS key", "k", other);
        run("MATCH (a:Resource {key: $a}), (p:Resource {key: $p})-[:FIRST_ENCOUNTER]->(b) CREATE (a)-[:NEXT]->(b)", "a", last, "p", patient);
        expected.add(List.of("journey", other));
        expected.add(List.of("journey", last));

        GraphCheck.Report damaged = check.run(SERVICE, n -> { });
        Set<List<String>> found = new HashSet<>();
        for (GraphCheck.Violation v : damaged.violations()) found.add(List.of(v.kind(), v.key()));
        assertThat(found).as(damaged.violations().toString()).isEqualTo(expected);
        assertThat(damaged.clean()).isFalse();

        CliProcess.Result out = CliProcess.inProcess("check", "--server", "http://127.0.0.1:" + httpPort, "--token", systemToken(), "--json");
        assertThat(out.exit()).as("exit status of a dirty store").isEqualTo(2);
        JsonNode report = JSON.readTree(out.output());
        assertThat(report.get("violations").size()).isEqualTo(damaged.violations().size());
        assertThat(report.get("violationsByKind").get("journey").asInt()).isEqualTo(3);
        CliProcess.Result text = CliProcess.inProcess("check", "--server", "http://127.0.0.1:" + httpPort, "--token", systemToken());
        assertThat(text.exit()).isEqualTo(2);
        assertThat(text.output()).contains("unadopted-placeholder  " + standIn + "  " + participant.get("practitioner")
                + " holds the identifier this placeholder stands for");
        clearGraph();
    }

    private String key(String cypher, Object... params) {
        return query(cypher, params).getFirst().get("key").asString();
    }

    private void run(String cypher, Object... params) {
        query(cypher, params);
    }

    private HttpResponse<String> fhir(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = authorized(URI.create("http://127.0.0.1:" + httpPort + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/fhir+json");
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

}
