package org.caregraph.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * FHIR transaction and batch Bundles through {@code POST /fhir}: urn:uuid references, all-or-nothing, per-entry batch
 * answers, If-Match on entries, ifNoneExist, and Synthea's own Bundles giving the graph the import gives.
 */
// POST /fhir gives the import's graph: compared as received (NLP, on by default, adds its own on both paths)
@org.springframework.test.context.TestPropertySource(properties = "caregraph.nlp.enabled=false")
class TransactionTest extends FhirHttpTest {

    private static ObjectNode bundle(String type) {
        ObjectNode b = JSON.createObjectNode().put("resourceType", "Bundle").put("type", type);
        b.putArray("entry");
        return b;
    }

    private static ObjectNode entry(ObjectNode bundle, String fullUrl, String method, String url, String resource) throws Exception {
        ObjectNode e = ((ArrayNode) bundle.get("entry")).addObject();
        if (fullUrl != null) e.put("fullUrl", fullUrl);
        if (resource != null) e.set("resource", JSON.readTree(resource));
        e.putObject("request").put("method", method).put("url", url);
        return e;
    }

    private HttpResponse<String> post(ObjectNode bundle) throws Exception {
        return send("POST", "", JSON.writeValueAsString(bundle));
    }

    private static List<String> statuses(JsonNode response) {
        List<String> out = new ArrayList<>();
        response.get("entry").forEach(e -> out.add(e.at("/response/status").asText()));
        return out;
    }

    /** Type/id of a response entry's location (Type/id/_history/v). */
    private static String key(JsonNode response, int entry) {
        return response.get("entry").get(entry).at("/response/location").asText().replaceAll("/_history/.*", "");
    }

    @Test
    void urnReferencesBetweenEntriesGetTheImportsGraph() throws Exception {
        String p = "urn:uuid:" + fresh(), e1 = "urn:uuid:" + fresh(), e2 = "urn:uuid:" + fresh(), c = "urn:uuid:" + fresh();
        ObjectNode b = bundle("transaction");
        // entries out of order on purpose: references resolve whatever the order
        entry(b, c, "POST", "Condition", "{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"" + p + "\"},"
                + "\"encounter\":{\"reference\":\"" + e2 + "\"},\"onsetDateTime\":\"2020-02-01T10:00:00Z\","
                + "\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"44054006\",\"display\":\"Diabetes\"}]}}");
        entry(b, e2, "POST", "Encounter", "{\"resourceType\":\"Encounter\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},"
                + "\"subject\":{\"reference\":\"" + p + "\"},\"period\":{\"start\":\"2020-02-01T09:00:00Z\"}}");
        entry(b, e1, "POST", "Encounter", "{\"resourceType\":\"Encounter\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},"
                + "\"subject\":{\"reference\":\"" + p + "\"},\"period\":{\"start\":\"2020-01-01T09:00:00Z\"}}");
        entry(b, p, "POST", "Patient", "{\"resourceType\":\"Patient\",\"id\":\"client-chosen\",\"gender\":\"male\"}");
        HttpResponse<String> res = post(b);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        JsonNode out = json(res);
        assertThat(out.get("type").asText()).isEqualTo("transaction-response");
        assertThat(statuses(out)).containsExactly("201 Created", "201 Created", "201 Created", "201 Created");
        String patient = key(out, 3), cond = key(out, 0), enc1 = key(out, 2), enc2 = key(out, 1);
        assertThat(patient).startsWith("Patient/").isNotEqualTo("Patient/client-chosen");
        assertThat(out.get("entry").get(3).at("/response/etag").asText()).isEqualTo("W/\"1\"");
        assertThat(out.get("entry").get(3).at("/response/lastModified").asText()).isNotEmpty();

        // the stored JSON names the server's ids; the relationships are the import's
        JsonNode stored = json(send("GET", cond, null));
        assertThat(stored.at("/subject/reference").asText()).isEqualTo(patient);
        assertThat(count("MATCH (:Condition {key:$c})-[:SUBJECT {path:'Condition.subject'}]->(:Patient {key:$p}) RETURN count(*) AS c",
                "c", cond, "p", patient)).isEqualTo(1);
        assertThat(count("MATCH (:Condition {key:$c})-[:ENCOUNTER]->(:Encounter {key:$e}) RETURN count(*) AS c", "c", cond, "e", enc2))
                .isEqualTo(1);
        assertThat(count("MATCH (:Condition {key:$c})-[:CODED {path:'Condition.code'}]->(:Concept {key:'http://snomed.info/sct|44054006'}) "
                + "RETURN count(*) AS c", "c", cond)).isEqualTo(1);
        assertThat(count("MATCH (:Patient {key:$p})-[:FIRST_ENCOUNTER]->(:Encounter {key:$e1})-[:NEXT]->(:Encounter {key:$e2}) "
                + "RETURN count(*) AS c", "p", patient, "e1", enc1, "e2", enc2)).isEqualTo(1);
    }

    @Test
    void aTransactionWhoseLastEntryFailsWritesNothing() throws Exception {
        String p = "urn:uuid:" + fresh();
        ObjectNode b = bundle("transaction");
        entry(b, p, "POST", "Patient", "{\"resourceType\":\"Patient\",\"gender\":\"female\"}");
        entry(b, null, "PUT", "Basic/tx-ok-" + fresh(), "{\"resourceType\":\"Basic\",\"code\":{\"text\":\"x\"}}");
        entry(b, null, "POST", "Observation", "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
                + "\"subject\":{\"reference\":\"urn:uuid:nowhere\"}}");
        long before = graphSize();
        HttpResponse<String> res = post(b);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(422);
        JsonNode outcome = json(res);
        assertThat(outcome.get("resourceType").asText()).isEqualTo("OperationOutcome");
        assertThat(outcome.at("/issue/0/diagnostics").asText()).startsWith("Bundle.entry[2] (POST Observation)").contains("urn:uuid:nowhere");
        assertThat(outcome.at("/issue/0/expression/0").asText()).isEqualTo("Observation.subject.reference");
        assertThat(graphSize()).isEqualTo(before);

        // structurally invalid (an element R4 does not have): refused whole, naming the element, nothing written
        ((ObjectNode) b.get("entry").get(2).get("resource")).put("colour", "red").remove("subject");
        res = post(b);
        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(json(res).at("/issue/0/diagnostics").asText()).contains("colour");
        assertThat(graphSize()).isEqualTo(before);

        // a reference to something that is no resource type: 422 naming the element
        ((ObjectNode) b.get("entry").get(2).get("resource")).remove("colour");
        ((ObjectNode) b.get("entry").get(2).get("resource")).putObject("subject").put("reference", "Nonsense/1");
        res = post(b);
        assertThat(res.statusCode()).isEqualTo(422);
        assertThat(json(res).at("/issue/0/expression/0").asText()).isEqualTo("Observation.subject");
        assertThat(graphSize()).isEqualTo(before);
    }

    @Test
    void ifMatchOnATransactionEntryGuardsTheWholeTransaction() throws Exception {
        String id = "tx-etag-" + fresh();
        assertThat(send("PUT", "Basic/" + id, "{\"resourceType\":\"Basic\",\"id\":\"" + id + "\",\"code\":{\"text\":\"v1\"}}").statusCode())
                .isEqualTo(201);
        ObjectNode b = bundle("transaction");
        entry(b, null, "POST", "Patient", "{\"resourceType\":\"Patient\"}");
        entry(b, null, "PUT", "Basic/" + id, "{\"resourceType\":\"Basic\",\"id\":\"" + id + "\",\"code\":{\"text\":\"v2\"}}")
                .with("request").put("ifMatch", "W/\"7\"");
        long before = graphSize();
        HttpResponse<String> res = post(b);
        assertThat(res.statusCode()).isEqualTo(412);
        assertThat(graphSize()).isEqualTo(before);
        assertThat(json(send("GET", "Basic/" + id, null)).at("/code/text").asText()).isEqualTo("v1");

        ((ObjectNode) b.get("entry").get(1).get("request")).put("ifMatch", "W/\"1\"");
        res = post(b);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(statuses(json(res))).containsExactly("201 Created", "200 OK");
        assertThat(json(res).get("entry").get(1).at("/response/etag").asText()).isEqualTo("W/\"2\"");
        assertThat(json(send("GET", "Basic/" + id, null)).at("/code/text").asText()).isEqualTo("v2");

        // two entries changing the same resource: FHIR fails the transaction
        ObjectNode twice = bundle("transaction");
        entry(twice, null, "PUT", "Basic/" + id, "{\"resourceType\":\"Basic\",\"code\":{\"text\":\"a\"}}");
        entry(twice, null, "DELETE", "Basic/" + id, null);
        before = graphSize();
        assertThat(post(twice).statusCode()).isEqualTo(400);
        assertThat(graphSize()).isEqualTo(before);
    }

    @Test
    void anXmlTransaction() throws Exception {
        String p = "urn:uuid:" + fresh();
        String xml = "<Bundle xmlns=\"http://hl7.org/fhir\"><type value=\"transaction\"/>"
                + "<entry><fullUrl value=\"" + p + "\"/><resource><Patient><gender value=\"male\"/></Patient></resource>"
                + "<request><method value=\"POST\"/><url value=\"Patient\"/></request></entry>"
                + "<entry><resource><Observation><status value=\"final\"/><code><text value=\"x\"/></code>"
                + "<subject><reference value=\"" + p + "\"/></subject></Observation></resource>"
                + "<request><method value=\"POST\"/><url value=\"Observation\"/></request></entry></Bundle>";
        HttpResponse<String> res = send("POST", "", xml, "Content-Type", "application/fhir+xml");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        JsonNode out = json(res);
        assertThat(count("MATCH (:Observation {key:$o})-[:SUBJECT]->(:Patient {key:$p}) RETURN count(*) AS c",
                "o", key(out, 1), "p", key(out, 0))).isEqualTo(1);
    }

    @Test
    void aBatchAnswersPerEntryAndWritesTheGoodOnes() throws Exception {
        String basic = "batch-" + fresh();
        ObjectNode b = bundle("batch");
        entry(b, null, "POST", "Patient", "{\"resourceType\":\"Patient\",\"gender\":\"other\",\"birthDate\":\"1901-01-01\"}");
        entry(b, null, "POST", "Observation", "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
                + "\"subject\":{\"reference\":\"Nonsense/1\"}}");
        entry(b, null, "PUT", "Basic/" + basic, "{\"resourceType\":\"Basic\",\"code\":{\"text\":\"b\"}}");
        entry(b, null, "GET", "Basic/" + basic, null);
        entry(b, null, "GET", "Basic/none-" + fresh(), null);
        String guarded = "batch-guarded-" + fresh();
        send("PUT", "Basic/" + guarded, "{\"resourceType\":\"Basic\",\"id\":\"" + guarded + "\",\"code\":{\"text\":\"v1\"}}");
        entry(b, null, "PUT", "Basic/" + guarded, "{\"resourceType\":\"Basic\",\"code\":{\"text\":\"v2\"}}")
                .with("request").put("ifMatch", "W/\"9\"");
        long patients = count("MATCH (p:Patient) WHERE p.json CONTAINS '1901-01-01' RETURN count(p) AS c");
        long observations = count("MATCH (o:Observation) RETURN count(o) AS c");
        HttpResponse<String> res = post(b);
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        JsonNode out = json(res);
        assertThat(out.get("type").asText()).isEqualTo("batch-response");
        assertThat(statuses(out)).containsExactly("201 Created", "422 Unprocessable Entity", "201 Created", "200 OK", "404 Not Found",
                "412 Precondition Failed");
        assertThat(out.get("entry").get(1).at("/response/outcome/resourceType").asText()).isEqualTo("OperationOutcome");
        assertThat(out.get("entry").get(1).at("/response/outcome/issue/0/expression/0").asText()).isEqualTo("Observation.subject");
        // reads come after the writes: the GET sees the PUT of the same batch
        assertThat(out.get("entry").get(3).at("/resource/code/text").asText()).isEqualTo("b");
        assertThat(count("MATCH (p:Patient) WHERE p.json CONTAINS '1901-01-01' RETURN count(p) AS c")).isEqualTo(patients + 1);
        assertThat(count("MATCH (o:Observation) RETURN count(o) AS c")).isEqualTo(observations);
        assertThat(count("MATCH (b:Basic {key:$k}) WHERE b.versionId = 1 RETURN count(b) AS c", "k", "Basic/" + basic)).isEqualTo(1);
        assertThat(json(send("GET", "Basic/" + guarded, null)).at("/code/text").asText()).isEqualTo("v1");
    }

    private static List<Path> synthea() throws Exception {
        try (Stream<Path> files = Files.list(SYNTHEA)) {
            // hospitals and practitioners first: the patients' conditional references name them
            return files.filter(f -> f.toString().endsWith(".json"))
                    .sorted((a, b) -> Boolean.compare(isPatient(a), isPatient(b)) != 0 ? Boolean.compare(isPatient(a), isPatient(b))
                            : a.compareTo(b)).toList();
        }
    }

    private static boolean isPatient(Path f) {
        String n = f.getFileName().toString();
        return !n.startsWith("hospital") && !n.startsWith("practitioner");
    }

    /** Resources per type, and relationships per type and path: the model a load gives. */
    private Map<String, Long> model() {
        Map<String, Long> m = new TreeMap<>();
        query("MATCH (n:Resource) WHERE n.placeholder IS NULL AND n.deleted IS NULL RETURN n.resourceType AS t, count(*) AS c")
                .forEach(r -> m.put(r.get("t").asString(), r.get("c").asLong()));
        query("MATCH (:Resource)-[r]->() RETURN type(r) + ' ' + coalesce(r.path, '') AS t, count(*) AS c")
                .forEach(r -> m.put(r.get("t").asString(), r.get("c").asLong()));
        query("MATCH (n) WHERE n:Concept OR n:Identifier OR n.placeholder RETURN labels(n)[0] AS t, count(*) AS c")
                .forEach(r -> m.put("nodes " + r.get("t").asString(), r.get("c").asLong()));
        return m;
    }

    @Test
    void syntheaBundlesLoadThroughPostFhirIntoTheImportsModel() throws Exception {
        requireFixture();
        clearGraph();
        importPaths(SYNTHEA);
        Map<String, Long> imported = model();
        clearGraph();

        Map<String, Long> expected = new TreeMap<>();
        for (Path f : synthea()) {
            JsonNode bundle = JSON.readTree(f.toFile());
            Set<String> conditions = new HashSet<>();
            for (JsonNode e : bundle.get("entry")) {
                String type = e.at("/resource/resourceType").asText();
                String ifNoneExist = e.at("/request/ifNoneExist").asText(null);
                if (ifNoneExist == null || conditions.add(type + "?" + ifNoneExist)) expected.merge(type, 1L, Long::sum);
            }
            HttpResponse<String> res = send("POST", "", Files.readString(f));
            assertThat(res.statusCode()).as(f + ": " + res.body()).isEqualTo(200);
            assertThat(statuses(json(res))).as(f.toString()).allMatch(s -> s.equals("201 Created"));
        }
        Map<String, Long> posted = model();
        Map<String, Long> types = new TreeMap<>(posted);
        types.keySet().retainAll(expected.keySet());
        assertThat(types).isEqualTo(expected);
        // the same resources, relationships (by type and path), concepts, identifiers and placeholders as the import
        assertThat(posted).isEqualTo(imported);

        // posting the practitioner bundle again: its Practitioners are matched (ifNoneExist), not duplicated; its
        // PractitionerRoles carry no condition, so FHIR creates them again
        Path practitioners = synthea().stream().filter(f -> f.getFileName().toString().startsWith("practitioner")).findFirst().orElseThrow();
        long roles = expected.get("PractitionerRole");
        JsonNode again = json(send("POST", "", Files.readString(practitioners)));
        assertThat(statuses(again)).filteredOn(s -> s.equals("200 OK")).hasSize(expected.get("Practitioner").intValue());
        assertThat(count("MATCH (n:Practitioner) RETURN count(n) AS c")).isEqualTo(expected.get("Practitioner"));
        assertThat(count("MATCH (n:PractitionerRole) RETURN count(n) AS c")).isEqualTo(2 * roles);
    }
}
