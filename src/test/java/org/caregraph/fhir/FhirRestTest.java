package org.caregraph.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.Test;

/**
 * FHIR REST read, vread, create, update (with If-Match), delete and history (instance, type, system) through real
 * HTTP, on the graph, with the import's model.
 */
class FhirRestTest extends GraphTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    /** {@code headers}: name, value, name, value... */
    private HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = authorized(URI.create("http://127.0.0.1:" + httpPort + "/fhir/" + path))
                .header("Accept", "application/fhir+json");
        if (body != null) b.header("Content-Type", "application/fhir+json");
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void createReadUpdateVreadAndHistory() throws Exception {
        HttpResponse<String> created = send("POST", "Patient", "{\"resourceType\":\"Patient\",\"id\":\"ignored\","
                + "\"gender\":\"female\",\"birthDate\":\"1970-02-03\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        String location = created.headers().firstValue("Location").orElseThrow();
        String id = location.replaceAll(".*/Patient/([^/]+)/_history/1$", "$1");
        assertThat(id).isNotEqualTo("ignored").doesNotContain("/");

        JsonNode read = JSON.readTree(send("GET", "Patient/" + id, null).body());
        assertThat(read.get("id").asText()).isEqualTo(id);
        assertThat(read.at("/meta/versionId").asText()).isEqualTo("1");
        assertThat(read.get("birthDate").asText()).isEqualTo("1970-02-03");
        assertThat(send("GET", "Patient/" + id + "?_format=xml", null).body())
                .contains("<Patient xmlns=\"http://hl7.org/fhir\">").contains("<birthDate value=\"1970-02-03\">");

        HttpResponse<String> updated = send("PUT", "Patient/" + id, "{\"resourceType\":\"Patient\",\"id\":\"" + id
                + "\",\"gender\":\"female\",\"birthDate\":\"1970-02-04\"}");
        assertThat(updated.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(send("GET", "Patient/" + id, null).body()).at("/meta/versionId").asText()).isEqualTo("2");
        JsonNode v1 = JSON.readTree(send("GET", "Patient/" + id + "/_history/1", null).body());
        assertThat(v1.get("birthDate").asText()).isEqualTo("1970-02-03");
        assertThat(v1.at("/meta/versionId").asText()).isEqualTo("1");

        JsonNode history = JSON.readTree(send("GET", "Patient/" + id + "/_history", null).body());
        assertThat(history.get("resourceType").asText()).isEqualTo("Bundle");
        assertThat(history.get("type").asText()).isEqualTo("history");
        List<String> versions = new java.util.ArrayList<>();
        history.get("entry").forEach(e -> versions.add(e.at("/resource/meta/versionId").asText()));
        assertThat(versions).containsExactly("2", "1");
        // paged like every history: _count a page, the next link to the rest
        JsonNode page1 = JSON.readTree(send("GET", "Patient/" + id + "/_history?_count=1", null).body());
        List<String> paged = new java.util.ArrayList<>(entries(page1));
        paged.addAll(entries(JSON.readTree(get(next(page1)).body())));
        assertThat(paged).containsExactly("Patient/" + id + "/2 PUT", "Patient/" + id + "/1 POST");

        // the same content again is no new version
        send("PUT", "Patient/" + id, "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"gender\":\"female\",\"birthDate\":\"1970-02-04\"}");
        assertThat(JSON.readTree(send("GET", "Patient/" + id, null).body()).at("/meta/versionId").asText()).isEqualTo("2");
    }

    @Test
    void etagsAndIfMatchGuardAgainstLostUpdates() throws Exception {
        String id = "etag-p1";
        HttpResponse<String> created = send("PUT", "Patient/" + id, patient(id, "1980-01-01"));
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(created.headers().firstValue("ETag")).contains("W/\"1\"");
        assertThat(send("GET", "Patient/" + id, null).headers().firstValue("ETag")).contains("W/\"1\"");

        HttpResponse<String> matching = send("PUT", "Patient/" + id, patient(id, "1980-01-02"), "If-Match", "W/\"1\"");
        assertThat(matching.statusCode()).isEqualTo(200);
        assertThat(matching.headers().firstValue("ETag")).contains("W/\"2\"");

        // a client still holding version 1 loses the race: 412, and the stored resource stays as it was
        for (String stale : new String[] {"W/\"1\"", "W/\"3\"", "W/\"abc\""}) {
            HttpResponse<String> conflict = send("PUT", "Patient/" + id, patient(id, "1999-09-09"), "If-Match", stale);
            assertThat(conflict.statusCode()).as(stale).isEqualTo(412);
            assertThat(JSON.readTree(conflict.body()).get("resourceType").asText()).isEqualTo("OperationOutcome");
        }
        HttpResponse<String> read = send("GET", "Patient/" + id, null);
        assertThat(read.headers().firstValue("ETag")).contains("W/\"2\"");
        assertThat(JSON.readTree(read.body()).get("birthDate").asText()).isEqualTo("1980-01-02");
        assertThat(single("MATCH (v:Version)-[:VERSION_OF]->(:Patient {id:$id}) RETURN count(v) AS c", "id", id).get("c"))
                .isEqualTo(1L);

        // If-Match on a resource that does not exist names no current version either
        assertThat(send("PUT", "Patient/etag-none", patient("etag-none", "1980-01-01"), "If-Match", "W/\"1\"").statusCode())
                .isEqualTo(412);
        assertThat(send("GET", "Patient/etag-none", null).statusCode()).isEqualTo(404);
    }

    private static String patient(String id, String birthDate) {
        return "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"birthDate\":\"" + birthDate + "\"}";
    }

    @Test
    void typeAndSystemHistoryNewestFirstWithSinceAndPaging() throws Exception {
        String start = serverNow();
        send("PUT", "Basic/h1", basic("h1", "a"));
        send("PUT", "Basic/h2", basic("h2", "a"));
        send("PUT", "Patient/h3", patient("h3", "1990-01-01"));
        String changed = JSON.readTree(send("PUT", "Basic/h1", basic("h1", "b")).body()).at("/meta/lastUpdated").asText();

        assertThat(entries(send("GET", "Basic/_history", null))).containsExactly("Basic/h1/2 PUT", "Basic/h2/1 POST", "Basic/h1/1 POST");
        assertThat(entries(send("GET", "Basic/_history?_since=" + changed, null))).containsExactly("Basic/h1/2 PUT");
        HttpResponse<String> badSince = send("GET", "Basic/_history?_since=yesterday", null);
        assertThat(badSince.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badSince.body()).get("resourceType").asText()).isEqualTo("OperationOutcome");
        assertThat(entries(send("GET", "_history?_since=" + start, null)))
                .containsExactly("Basic/h1/2 PUT", "Patient/h3/1 POST", "Basic/h2/1 POST", "Basic/h1/1 POST");

        // paged: _count entries a page, the total over all pages, and a next link to the rest
        JsonNode page1 = JSON.readTree(send("GET", "_history?_count=3&_since=" + start, null).body());
        assertThat(page1.get("total").asInt()).isEqualTo(4);
        List<String> all = new java.util.ArrayList<>(entries(page1));
        assertThat(all).hasSize(3);
        all.addAll(entries(JSON.readTree(get(next(page1)).body())));
        assertThat(all).containsExactly("Basic/h1/2 PUT", "Patient/h3/1 POST", "Basic/h2/1 POST", "Basic/h1/1 POST");

        JsonNode cs = JSON.readTree(send("GET", "metadata", null).body());
        assertThat(cs.at("/rest/0/interaction").toString()).contains("history-system");
        for (JsonNode r : cs.at("/rest/0/resource")) {
            if (r.get("type").asText().equals("Basic")) {
                assertThat(r.get("interaction").toString()).contains("\"history-type\"", "\"history-instance\"", "\"delete\"");
            }
        }
    }

    private static String basic(String id, String code) {
        return "{\"resourceType\":\"Basic\",\"id\":\"" + id + "\",\"code\":{\"text\":\"" + code + "\"}}";
    }

    /** The bundle's next link. */
    private static String next(JsonNode bundle) {
        for (JsonNode link : bundle.get("link")) if (link.get("relation").asText().equals("next")) return link.get("url").asText();
        throw new AssertionError("no next link in " + bundle);
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(authorized(URI.create(url)).header("Accept", "application/fhir+json").build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A history bundle's entries as "Type/id/version METHOD". */
    private static List<String> entries(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return entries(JSON.readTree(response.body()));
    }

    private static List<String> entries(JsonNode bundle) {
        assertThat(bundle.get("type").asText()).isEqualTo("history");
        List<String> out = new java.util.ArrayList<>();
        if (bundle.has("entry")) {
            bundle.get("entry").forEach(e -> out.add(e.at("/request/url").asText().replaceAll("/_history/", "/") + " " + e.at("/request/method").asText()));
        }
        return out;
    }

    @Test
    void deleteLeavesATombstoneWithHistoryAndUpdateRecreates() throws Exception {
        String start = serverNow();
        writeTwoEncountersAndACondition();
        assertThat(journey("del-p")).containsExactly("del-e1", "del-e2");
        // what NLP derives from a resource's text goes with its content (written here as NLP will write it)
        query("MATCH (e:Encounter {id:'del-e1'}) MERGE (k:Concept {key:'urn:test|m'}) CREATE (e)-[:MENTIONS {begin: 0, end: 1}]->(k)");

        HttpResponse<String> deleted = send("DELETE", "Encounter/del-e1", null);
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(deleted.body()).at("/issue/0/diagnostics").asText()).contains("version 2");

        assertThat(send("GET", "Encounter/del-e1", null).statusCode()).isEqualTo(410);
        assertThat(send("GET", "Encounter/del-e1/_history/2", null).statusCode()).isEqualTo(410);
        HttpResponse<String> v1 = send("GET", "Encounter/del-e1/_history/1", null);
        assertThat(v1.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(v1.body()).at("/period/start").asText()).isEqualTo("2020-01-01");
        JsonNode history = JSON.readTree(send("GET", "Encounter/del-e1/_history", null).body());
        assertThat(entries(history)).containsExactly("Encounter/del-e1/2 DELETE", "Encounter/del-e1/1 POST");
        assertThat(history.at("/entry/0/resource").isMissingNode()).isTrue();
        assertThat(entries(send("GET", "_history?_since=" + start, null)).getFirst()).isEqualTo("Encounter/del-e1/2 DELETE");

        // the tombstone keeps no content and none of its own relationships; the condition's reference to it stays,
        // and the patient's journey no longer passes through it
        assertThat(single("MATCH (e:Encounter {id:'del-e1'}) RETURN e.deleted AS d, e.json IS NULL AS noJson, e.time IS NULL AS noTime,"
                + " COUNT { (e)-->() } AS out, COUNT { (:Condition {id:'del-c'})-[:ENCOUNTER]->(e) } AS referenced"))
                .isEqualTo(java.util.Map.of("d", true, "noJson", true, "noTime", true, "out", 0L, "referenced", 1L));
        assertThat(journey("del-p")).containsExactly("del-e2");
        assertThat(single("MATCH (e:Encounter {id:'del-e1'}) RETURN COUNT { (e)-[:NEXT]-() } + COUNT { ()-[:FIRST_ENCOUNTER]->(e) } AS c")
                .get("c")).isEqualTo(0L);

        // deleting again, or deleting what never existed, changes nothing and is not an error
        assertThat(send("DELETE", "Encounter/del-e1", null).statusCode()).isEqualTo(200);
        assertThat(send("DELETE", "Encounter/del-never", null).statusCode()).isEqualTo(200);
        assertThat(single("MATCH (n) WHERE n.key STARTS WITH 'Encounter/del-never' RETURN count(n) AS c").get("c")).isEqualTo(0L);
        assertThat(entries(send("GET", "Encounter/del-e1/_history", null))).hasSize(2);

        // an update re-creates it as a new version, with its relationships and journey back
        HttpResponse<String> recreated = send("PUT", "Encounter/del-e1", encounter("del-e1", "2020-01-01"));
        assertThat(recreated.statusCode()).isEqualTo(201);
        assertThat(JSON.readTree(send("GET", "Encounter/del-e1", null).body()).at("/meta/versionId").asText()).isEqualTo("3");
        assertThat(entries(send("GET", "Encounter/del-e1/_history", null)))
                .containsExactly("Encounter/del-e1/3 PUT", "Encounter/del-e1/2 DELETE", "Encounter/del-e1/1 POST");
        assertThat(journey("del-p")).containsExactly("del-e1", "del-e2");
        assertThat(single("MATCH (e:Encounter {id:'del-e1'}) RETURN e.deleted IS NULL AS live, COUNT { (e)-[:IDENTIFIED_BY]->() } AS ids"))
                .isEqualTo(java.util.Map.of("live", true, "ids", 1L));
    }

    /** Patient del-p with encounters del-e1 (2020) and del-e2 (2021), and condition del-c at del-e1. */
    private void writeTwoEncountersAndACondition() throws Exception {
        send("PUT", "Patient/del-p", patient("del-p", "1960-01-01"));
        send("PUT", "Encounter/del-e1", encounter("del-e1", "2020-01-01"));
        send("PUT", "Encounter/del-e2", encounter("del-e2", "2021-01-01"));
        send("PUT", "Condition/del-c", "{\"resourceType\":\"Condition\",\"id\":\"del-c\",\"code\":{\"text\":\"x\"},"
                + "\"subject\":{\"reference\":\"Patient/del-p\"},\"encounter\":{\"reference\":\"Encounter/del-e1\"}}");
    }

    private String serverNow() {
        return single("RETURN toString(datetime()) AS t").get("t").toString();
    }

    private static String encounter(String id, String start) {
        return "{\"resourceType\":\"Encounter\",\"id\":\"" + id + "\",\"status\":\"finished\","
                + "\"identifier\":[{\"system\":\"urn:test\",\"value\":\"" + id + "\"}],"
                + "\"class\":{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"AMB\"},"
                + "\"subject\":{\"reference\":\"Patient/del-p\"},\"period\":{\"start\":\"" + start + "\"}}";
    }

    /** The patient's encounter chain, in order. */
    private List<String> journey(String patient) {
        return query("MATCH (:Patient {id:$p})-[:FIRST_ENCOUNTER]->(f) MATCH path = (f)-[:NEXT]->*(e) "
                + "RETURN e.id AS id ORDER BY length(path)", "p", patient).stream().map(r -> r.get("id").asString()).toList();
    }

    @Test
    void writesThroughRestGetTheGraphModelOfTheImport() throws Exception {
        String patient = "rest-p1";
        assertThat(send("PUT", "Patient/" + patient, "{\"resourceType\":\"Patient\",\"id\":\"" + patient + "\"}").statusCode())
                .as("create on update with a client id").isEqualTo(201);
        for (String e : new String[] {"rest-e2:2021-05-01", "rest-e1:2020-01-01"}) {
            String[] p = e.split(":");
            send("PUT", "Encounter/" + p[0], "{\"resourceType\":\"Encounter\",\"id\":\"" + p[0] + "\",\"status\":\"finished\","
                    + "\"class\":{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActCode\",\"code\":\"AMB\"},"
                    + "\"subject\":{\"reference\":\"Patient/" + patient + "\"},\"period\":{\"start\":\"" + p[1] + "\"}}");
        }
        assertThat(query("MATCH (:Patient {id:$p})-[:FIRST_ENCOUNTER]->(a)-[:NEXT]->(b) RETURN a.id AS a, b.id AS b", "p", patient)
                .getFirst().asMap()).isEqualTo(java.util.Map.of("a", "rest-e1", "b", "rest-e2"));
        assertThat(single("MATCH (:Encounter {id:'rest-e1'})-[:CODED {path:'Encounter.class'}]->(c:Concept) RETURN c.code AS c")
                .get("c")).isEqualTo("AMB");
    }

    @Test
    void anImportedResourceReadsBackAsImported() throws Exception {
        requireFixture();
        importPaths(SYNTHEA.resolve("hospitalInformation1735689600000.json"));
        String key = query("MATCH (o:Organization) RETURN o.key AS k ORDER BY k LIMIT 1").getFirst().get("k").asString();
        String stored = single("MATCH (o:Resource {key:$k}) RETURN o.json AS j", "k", key).get("j").toString();
        ObjectNode read = (ObjectNode) JSON.readTree(send("GET", key, null).body());
        ((ObjectNode) read.get("meta")).remove(List.of("versionId", "lastUpdated"));
        if (read.get("meta").isEmpty()) read.remove("meta");
        assertThat(read).isEqualTo(JSON.readTree(stored));
    }

    @Test
    void errorsAreOperationOutcomes() throws Exception {
        HttpResponse<String> missing = send("GET", "Patient/does-not-exist", null);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(missing.body()).get("resourceType").asText()).isEqualTo("OperationOutcome");

        HttpResponse<String> bad = send("POST", "Patient", "{\"resourceType\":\"Patient\",\"birthDate\":\"not a date\"}");
        assertThat(bad.statusCode()).isIn(400, 422);
        assertThat(JSON.readTree(bad.body()).get("resourceType").asText()).isEqualTo("OperationOutcome");
        assertThat(bad.body()).contains("birthDate");

        HttpResponse<String> mismatch = send("PUT", "Patient/a1", "{\"resourceType\":\"Patient\",\"id\":\"b2\"}");
        assertThat(mismatch.statusCode()).isEqualTo(400);
        assertThat(single("MATCH (p:Patient) WHERE p.id IN ['a1','b2'] RETURN count(p) AS c").get("c")).isEqualTo(0L);

        HttpResponse<String> dangling = send("POST", "Observation", "{\"resourceType\":\"Observation\",\"status\":\"final\","
                + "\"code\":{\"text\":\"x\"},\"subject\":{\"reference\":\"urn:uuid:0d6f4e3c-6a52-4a8f-9a5e-2b8e5f1d2c3b\"}}");
        assertThat(dangling.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(dangling.body()).at("/issue/0/code").asText()).isEqualTo("not-found");
    }

    @Test
    void theCapabilityStatementListsEveryResourceType() throws Exception {
        JsonNode cs = JSON.readTree(send("GET", "metadata", null).body());
        assertThat(cs.get("resourceType").asText()).isEqualTo("CapabilityStatement");
        assertThat(cs.at("/rest/0/resource").size()).isGreaterThan(140);
    }
}
