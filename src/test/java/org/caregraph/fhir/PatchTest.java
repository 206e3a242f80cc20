package org.caregraph.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** JSON Patch (If-Match honoured, a failed test or an invalid result is 422 and writes nothing), and response shaping. */
class PatchTest extends FhirHttpTest {
    private static final String[] JSON_PATCH = {"Content-Type", "application/json-patch+json"};

    private String createPatient() throws Exception {
        String id = "patch-" + fresh();
        send("PUT", "Patient/" + id, "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"gender\":\"female\","
                + "\"birthDate\":\"1970-01-01\",\"name\":[{\"family\":\"Doe\",\"given\":[\"Jane\"]}],"
                + "\"maritalStatus\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-MaritalStatus\",\"code\":\"M\"}]}}");
        return id;
    }

    private HttpResponse<String> patch(String id, String patch, String... headers) throws Exception {
        String[] all = new String[JSON_PATCH.length + headers.length];
        System.arraycopy(JSON_PATCH, 0, all, 0, JSON_PATCH.length);
        System.arraycopy(headers, 0, all, JSON_PATCH.length, headers.length);
        return send("PATCH", "Patient/" + id, patch, all);
    }

    @Test
    void addReplaceRemoveAndTest() throws Exception {
        String id = createPatient();
        HttpResponse<String> res = patch(id, "[{\"op\":\"test\",\"path\":\"/gender\",\"value\":\"female\"},"
                + "{\"op\":\"replace\",\"path\":\"/birthDate\",\"value\":\"1970-01-02\"},"
                + "{\"op\":\"add\",\"path\":\"/name/0/given/-\",\"value\":\"Ann\"},"
                + "{\"op\":\"remove\",\"path\":\"/maritalStatus\"}]");
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        assertThat(res.headers().firstValue("ETag")).contains("W/\"2\"");
        JsonNode read = json(send("GET", "Patient/" + id, null));
        assertThat(read.get("birthDate").asText()).isEqualTo("1970-01-02");
        assertThat(read.at("/name/0/given/1").asText()).isEqualTo("Ann");
        assertThat(read.has("maritalStatus")).isFalse();
        // the graph follows the new content: the removed coding is no longer linked
        assertThat(count("MATCH (:Patient {key:$k})-[:CODED]->() RETURN count(*) AS c", "k", "Patient/" + id)).isZero();
        assertThat(count("MATCH (v:Version)-[:VERSION_OF]->(:Patient {key:$k}) RETURN count(v) AS c", "k", "Patient/" + id)).isEqualTo(1);
    }

    @Test
    void aFailedTestOrAnInvalidResultIs422AndWritesNothing() throws Exception {
        String id = createPatient();
        long before = graphSize();
        // a failed test op: 422 (the patch is well-formed; this resource's state does not allow it)
        HttpResponse<String> failed = patch(id, "[{\"op\":\"test\",\"path\":\"/gender\",\"value\":\"male\"},"
                + "{\"op\":\"replace\",\"path\":\"/birthDate\",\"value\":\"2000-01-01\"}]");
        assertThat(failed.statusCode()).isEqualTo(422);
        assertThat(json(failed).get("resourceType").asText()).isEqualTo("OperationOutcome");
        // a result R4 does not allow: 422 naming the element
        HttpResponse<String> invalid = patch(id, "[{\"op\":\"add\",\"path\":\"/colour\",\"value\":\"red\"}]");
        assertThat(invalid.statusCode()).isEqualTo(422);
        assertThat(json(invalid).at("/issue/0/diagnostics").asText()).contains("colour");
        HttpResponse<String> badCode = patch(id, "[{\"op\":\"replace\",\"path\":\"/gender\",\"value\":\"robot\"}]");
        assertThat(badCode.statusCode()).isEqualTo(422);
        // not a JSON Patch at all: 400; changing the id: 422
        assertThat(patch(id, "{\"gender\":\"male\"}").statusCode()).isEqualTo(400);
        assertThat(patch(id, "[{\"op\":\"replace\",\"path\":\"/id\",\"value\":\"other\"}]").statusCode()).isEqualTo(422);
        assertThat(graphSize()).isEqualTo(before);
        assertThat(json(send("GET", "Patient/" + id, null)).at("/meta/versionId").asText()).isEqualTo("1");
        assertThat(patch("none-" + fresh(), "[{\"op\":\"remove\",\"path\":\"/gender\"}]").statusCode()).isEqualTo(404);
    }

    @Test
    void ifMatchOnPatchAndOnAPatchEntry() throws Exception {
        String id = createPatient();
        String replace = "[{\"op\":\"replace\",\"path\":\"/birthDate\",\"value\":\"1980-05-05\"}]";
        long before = graphSize();
        assertThat(patch(id, replace, "If-Match", "W/\"3\"").statusCode()).isEqualTo(412);
        assertThat(graphSize()).isEqualTo(before);
        assertThat(patch(id, replace, "If-Match", "W/\"1\"").statusCode()).isEqualTo(200);

        // in a transaction the patch travels as a Binary; a stale ifMatch fails the whole transaction
        String data = Base64.getEncoder().encodeToString(
                "[{\"op\":\"replace\",\"path\":\"/gender\",\"value\":\"other\"}]".getBytes(StandardCharsets.UTF_8));
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                + "{\"resource\":{\"resourceType\":\"Basic\",\"code\":{\"text\":\"x\"}},\"request\":{\"method\":\"POST\",\"url\":\"Basic\"}},"
                + "{\"resource\":{\"resourceType\":\"Binary\",\"contentType\":\"application/json-patch+json\",\"data\":\"" + data + "\"},"
                + "\"request\":{\"method\":\"PATCH\",\"url\":\"Patient/" + id + "\",\"ifMatch\":\"W/\\\"1\\\"\"}}]}";
        before = graphSize();
        assertThat(send("POST", "", bundle).statusCode()).isEqualTo(412);
        assertThat(graphSize()).isEqualTo(before);
        HttpResponse<String> ok = send("POST", "", bundle.replace("W/\\\"1\\\"", "W/\\\"2\\\""));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(json(ok).at("/entry/1/response/etag").asText()).isEqualTo("W/\"3\"");
        assertThat(json(send("GET", "Patient/" + id, null)).get("gender").asText()).isEqualTo("other");
    }

    @Test
    void summaryElementsPrettyAndFormatOnARead() throws Exception {
        String id = createPatient();
        JsonNode summary = json(send("GET", "Patient/" + id + "?_summary=true", null));
        // summary elements of Patient only: name, gender, birthDate are; maritalStatus is not
        assertThat(summary.has("gender")).isTrue();
        assertThat(summary.has("maritalStatus")).isFalse();
        assertThat(summary.at("/meta/tag/0/code").asText()).isEqualTo("SUBSETTED");

        JsonNode data = json(send("GET", "Patient/" + id + "?_summary=data", null));
        assertThat(data.has("maritalStatus")).isTrue();
        assertThat(data.has("text")).isFalse();

        JsonNode elements = json(send("GET", "Patient/" + id + "?_elements=gender", null));
        assertThat(elements.get("gender").asText()).isEqualTo("female");
        assertThat(elements.has("birthDate")).isFalse();
        assertThat(elements.has("name")).isFalse();
        assertThat(elements.get("id").asText()).isEqualTo(id);

        String pretty = send("GET", "Patient/" + id + "?_pretty=true", null).body();
        assertThat(pretty).contains("\n  \"resourceType\": \"Patient\"");
        assertThat(send("GET", "Patient/" + id, null).body()).doesNotContain("\n");

        HttpResponse<String> xml = send("GET", "Patient/" + id + "?_format=xml", null);
        assertThat(xml.headers().firstValue("Content-Type").orElse("")).contains("xml");
        assertThat(xml.body()).contains("<Patient xmlns=\"http://hl7.org/fhir\">").contains("<gender value=\"female\">");
        HttpResponse<String> xmlElements = send("GET", "Patient/" + id + "?_format=xml&_elements=birthDate", null);
        assertThat(xmlElements.body()).contains("<birthDate value=\"1970-01-01\">").doesNotContain("<gender");
    }
}
