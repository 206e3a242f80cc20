package org.caregraph.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.caregraph.GraphTest;
import org.caregraph.graph.GraphReader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A patient token sees only its patient's compartment, through every path of the FHIR API, on a two-patient fixture
 * whose resources cross-reference each other: an Observation of A whose focus is B, a DiagnosticReport of A whose
 * result is B's Observation, a Coverage of beneficiary A and subscriber B (so in both compartments). Real HTTP, real
 * tokens of the server's own issuer. Each leak path of issue #13 has its assertion; most fail without the confinement
 * in the queries.
 */
class ConfinementTest extends GraphTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LAB = "http://terminology.hl7.org/CodeSystem/observation-category|laboratory";
    private final HttpClient http = HttpClient.newHttpClient();
    @Autowired private GraphReader reader;

    private String alice;

    @BeforeEach
    void fixture() throws Exception {
        clearGraph();
        for (String r : List.of(
                "{\"resourceType\":\"Organization\",\"id\":\"sec-org\",\"name\":\"Payer\"}",
                "{\"resourceType\":\"Practitioner\",\"id\":\"sec-dr\",\"name\":[{\"family\":\"Alpha\"}]}",
                "{\"resourceType\":\"Practitioner\",\"id\":\"sec-dr2\",\"name\":[{\"family\":\"Beta\"}]}",
                "{\"resourceType\":\"Patient\",\"id\":\"sec-a\",\"name\":[{\"family\":\"Secureanne\"}],"
                        + "\"generalPractitioner\":[{\"reference\":\"Practitioner/sec-dr\"}]}",
                "{\"resourceType\":\"Patient\",\"id\":\"sec-b\",\"name\":[{\"family\":\"Securebob\"}]}",
                "{\"resourceType\":\"Encounter\",\"id\":\"sec-ea\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},"
                        + "\"subject\":{\"reference\":\"Patient/sec-a\"},\"participant\":[{\"individual\":{\"reference\":\"Practitioner/sec-dr\"}}]}",
                "{\"resourceType\":\"Encounter\",\"id\":\"sec-eb\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},"
                        + "\"subject\":{\"reference\":\"Patient/sec-b\"},\"participant\":[{\"individual\":{\"reference\":\"Practitioner/sec-dr2\"}}]}",
                observation("sec-oa-lab", "sec-a", "laboratory", "sec-code-a", ",\"focus\":[{\"reference\":\"Patient/sec-b\"}]"),
                observation("sec-oa-vs", "sec-a", "vital-signs", "sec-code-v", ""),
                observation("sec-ob", "sec-b", "laboratory", "sec-code-b", ""),
                "{\"resourceType\":\"DiagnosticReport\",\"id\":\"sec-dra\",\"status\":\"final\",\"code\":{\"text\":\"panel\"},"
                        + "\"subject\":{\"reference\":\"Patient/sec-a\"},\"result\":[{\"reference\":\"Observation/sec-ob\"}]}",
                "{\"resourceType\":\"Coverage\",\"id\":\"sec-cov\",\"status\":\"active\",\"beneficiary\":{\"reference\":\"Patient/sec-a\"},"
                        + "\"subscriber\":{\"reference\":\"Patient/sec-b\"},\"payor\":[{\"reference\":\"Organization/sec-org\"}]}",
                "{\"resourceType\":\"Condition\",\"id\":\"sec-cb\",\"subject\":{\"reference\":\"Patient/sec-b\"},"
                        + "\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"sec-cond\"}]}}")) {
            JsonNode tree = JSON.readTree(r);
            HttpResponse<String> put = call(systemToken(), "PUT", tree.get("resourceType").asText() + "/" + tree.get("id").asText(), r);
            assertThat(put.statusCode()).as(put.body()).isIn(200, 201);
        }
        alice = token("app-a", null, "sec-a", List.of("patient/*.cruds"));
    }

    private static String observation(String id, String patient, String category, String code, String extra) {
        return "{\"resourceType\":\"Observation\",\"id\":\"" + id + "\",\"status\":\"final\",\"category\":[{\"coding\":[{"
                + "\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"" + category + "\"}]}],"
                + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"" + code + "\"}]},"
                + "\"subject\":{\"reference\":\"Patient/" + patient + "\"}" + extra + "}";
    }

    private HttpResponse<String> call(String token, String method, String path, String body, String... headers) throws Exception {
        URI uri = URI.create(path.startsWith("http") ? path : "http://127.0.0.1:" + httpPort + "/fhir/" + path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Accept", "application/fhir+json");
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (body != null) b.header("Content-Type", "application/fhir+json");
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private int status(String token, String path) throws Exception {
        return call(token, "GET", path, null).statusCode();
    }

    /** The Type/id of every entry of a Bundle answered to {@code token}. */
    private List<String> keys(String token, String path) throws Exception {
        HttpResponse<String> r = call(token, "GET", path, null);
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        for (JsonNode e : JSON.readTree(r.body()).path("entry")) {
            JsonNode res = e.path("resource");
            if (!res.isMissingNode()) out.add(res.get("resourceType").asText() + "/" + res.get("id").asText());
            else out.add(e.path("request").path("url").asText());
        }
        return out;
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void instanceReadsOutsideTheCompartmentAre404() throws Exception {
        assertThat(status(alice, "Patient/sec-a")).isEqualTo(200);
        assertThat(status(alice, "Patient/sec-b")).isEqualTo(404);
        assertThat(status(alice, "Observation/sec-ob")).isEqualTo(404);
        assertThat(status(alice, "Encounter/sec-eb")).isEqualTo(404);
        assertThat(status(alice, "Observation/sec-ob/_history/1")).as("vread").isEqualTo(404);
        assertThat(status(alice, "Observation/sec-ob/_history")).as("instance history").isEqualTo(404);
        // in both compartments, and outside any
        assertThat(status(alice, "Coverage/sec-cov")).isEqualTo(200);
        assertThat(status(alice, "Practitioner/sec-dr2")).isEqualTo(200);
        assertThat(status(alice, "Observation/sec-oa-lab")).as("its focus is B, its subject A").isEqualTo(200);
    }

    @Test
    void searchesIncludesChainsAndHasStayInTheCompartment() throws Exception {
        assertThat(keys(alice, "Observation?_count=100")).containsExactlyInAnyOrder("Observation/sec-oa-lab", "Observation/sec-oa-vs");
        assertThat(keys(alice, "Observation?subject=Patient/sec-b")).isEmpty();
        assertThat(keys(alice, "Observation?code=sec-code-b")).isEmpty();
        assertThat(keys(alice, "Condition")).isEmpty();
        assertThat(keys(alice, "Patient")).containsExactly("Patient/sec-a");
        // _include of B's Observation through A's report, directly, by *, and with :iterate
        assertThat(keys(alice, "DiagnosticReport?_include=DiagnosticReport:result")).containsExactly("DiagnosticReport/sec-dra");
        assertThat(keys(alice, "DiagnosticReport?_include=*")).doesNotContain("Observation/sec-ob", "Patient/sec-b");
        assertThat(keys(alice, "DiagnosticReport?_include=DiagnosticReport:result&_include:iterate=Observation:subject"))
                .doesNotContain("Observation/sec-ob", "Patient/sec-b");
        assertThat(keys(alice, "Coverage?_include=Coverage:subscriber&_include=Coverage:beneficiary"))
                .containsExactlyInAnyOrder("Coverage/sec-cov", "Patient/sec-a");
        // _revinclude onto B's resources
        assertThat(keys(alice, "Patient?_revinclude=Observation:subject&_revinclude=Condition:subject"))
                .doesNotContain("Observation/sec-ob", "Condition/sec-cb").contains("Observation/sec-oa-lab");
        assertThat(keys(alice, "Practitioner?_id=sec-dr2&_revinclude=Encounter:participant")).containsExactly("Practitioner/sec-dr2");
        // chains and _has: no oracle on B's data
        assertThat(keys(alice, "Observation?subject.family=Securebob")).isEmpty();
        assertThat(keys(alice, "Observation?subject:Patient.family=Secureanne")).hasSize(2);
        assertThat(keys(alice, "Patient?_has:Observation:patient:code=sec-code-b")).isEmpty();
        assertThat(keys(alice, "Patient?_has:Observation:patient:code=sec-code-a")).containsExactly("Patient/sec-a");
        assertThat(keys(alice, "Encounter?participant=Practitioner/sec-dr2")).isEmpty();
    }

    @Test
    void historyEverythingAndPagingStayInTheCompartment() throws Exception {
        assertThat(keys(alice, "Observation/_history?_count=500")).noneMatch(k -> k.contains("sec-ob"));
        assertThat(keys(alice, "_history?_count=500")).noneMatch(k -> k.contains("sec-b") || k.contains("sec-ob") || k.contains("sec-cb"));
        List<String> everything = keys(alice, "Patient/sec-a/$everything");
        assertThat(everything).contains("Patient/sec-a", "Observation/sec-oa-lab", "Coverage/sec-cov")
                .doesNotContain("Patient/sec-b", "Observation/sec-ob", "Encounter/sec-eb", "Condition/sec-cb");
        assertThat(status(alice, "Patient/sec-b/$everything")).isEqualTo(404);

        // a paging link is its searcher's alone
        HttpResponse<String> first = call(alice, "GET", "Observation?_count=1", null);
        String next = null;
        for (JsonNode link : JSON.readTree(first.body()).path("link")) if (link.get("relation").asText().equals("next")) next = link.get("url").asText();
        assertThat(next).isNotNull();
        String bob = token("app-b", null, "sec-b", List.of("patient/*.rs"));
        assertThat(call(bob, "GET", next, null).statusCode()).isEqualTo(404);
        assertThat(call(alice, "GET", next, null).statusCode()).isEqualTo(200);
    }

    @Test
    void conditionalInteractionsAreNoOracle() throws Exception {
        String obs = observation("ignored", "sec-a", "laboratory", "sec-code-b", "");
        HttpResponse<String> created = call(alice, "POST", "Observation", obs, "If-None-Exist", "code=sec-code-b");
        assertThat(created.statusCode()).as("B's matching Observation is not matched: a new one").isEqualTo(201);
        assertThat(created.headers().firstValue("Location").orElseThrow()).doesNotContain("sec-ob");
        HttpResponse<String> updated = call(alice, "PUT", "Observation?subject=Patient/sec-b", observation("sec-new", "sec-a",
                "laboratory", "sec-code-x", ""));
        assertThat(updated.statusCode()).isEqualTo(201);
        assertThat(single("MATCH (n:Observation {id: 'sec-ob'}) RETURN n.versionId AS v").get("v")).isEqualTo(1L);
        // deleting what one cannot see deletes nothing, like deleting what does not exist
        assertThat(call(alice, "DELETE", "Observation/sec-ob", null).statusCode()).isEqualTo(200);
        assertThat(single("MATCH (n:Observation {id: 'sec-ob'}) RETURN n.deleted IS NULL AS current").get("current")).isEqualTo(true);
    }

    @Test
    void writesCannotReachOrMoveIntoAnotherCompartment() throws Exception {
        assertThat(call(alice, "PUT", "Observation/sec-ob", observation("sec-ob", "sec-a", "laboratory", "x", "")).statusCode())
                .as("overwriting B's Observation").isEqualTo(404);
        assertThat(call(alice, "PUT", "Observation/sec-oa-vs", observation("sec-oa-vs", "sec-b", "vital-signs", "x", "")).statusCode())
                .as("moving A's Observation to B").isEqualTo(403);
        assertThat(call(alice, "POST", "Observation", observation("x", "sec-b", "vital-signs", "x", "")).statusCode()).isEqualTo(403);
        assertThat(call(alice, "PUT", "Coverage/sec-cov2", "{\"resourceType\":\"Coverage\",\"id\":\"sec-cov2\",\"status\":\"active\","
                + "\"beneficiary\":{\"reference\":\"Patient/sec-a\"},\"subscriber\":{\"reference\":\"Patient/sec-b\"},"
                + "\"payor\":[{\"reference\":\"Organization/sec-org\"}]}").statusCode()).as("into both compartments").isEqualTo(403);
        assertThat(single("MATCH (n:Observation {id: 'sec-oa-vs'}) RETURN n.compartments AS c").get("c")).isEqualTo(List.of("Patient/sec-a"));

        // a transaction with one entry out of reach fails whole
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                + "{\"resource\":" + observation("sec-t1", "sec-a", "laboratory", "x", "") + ",\"request\":{\"method\":\"PUT\",\"url\":\"Observation/sec-t1\"}},"
                + "{\"resource\":" + observation("sec-ob", "sec-a", "laboratory", "x", "") + ",\"request\":{\"method\":\"PUT\",\"url\":\"Observation/sec-ob\"}}]}";
        HttpResponse<String> tx = call(alice, "POST", "", bundle);
        assertThat(tx.statusCode()).as(tx.body()).isEqualTo(404);
        assertThat(single("MATCH (n:Resource {key: 'Observation/sec-t1'}) RETURN count(n) AS c").get("c")).isEqualTo(0L);
        assertThat(single("MATCH (n:Observation {id: 'sec-ob'}) RETURN n.versionId AS v").get("v")).isEqualTo(1L);
    }

    @Test
    void typeScopesAreCheckedPerInteraction() throws Exception {
        String readObservations = token("app-r", null, "sec-a", List.of("patient/Observation.rs"));
        assertThat(status(readObservations, "Observation/sec-oa-lab")).isEqualTo(200);
        assertThat(status(readObservations, "Patient/sec-a")).as("no scope on Patient").isEqualTo(403);
        assertThat(status(readObservations, "Condition")).isEqualTo(403);
        assertThat(call(readObservations, "PUT", "Observation/sec-oa-vs", observation("sec-oa-vs", "sec-a", "vital-signs", "y", ""))
                .statusCode()).as("no u").isEqualTo(403);
        String readOnly = token("app-s", null, "sec-a", List.of("patient/Observation.r"));
        assertThat(status(readOnly, "Observation")).as("r without s").isEqualTo(403);
        assertThat(status(null, "Observation/sec-oa-lab")).isEqualTo(401);
    }

    @Test
    void granularCategoryScopesFilterReadSearchAndInclude() throws Exception {
        String labs = token("app-lab", null, "sec-a", List.of("patient/Observation.rs?category=" + LAB, "patient/DiagnosticReport.rs"));
        assertThat(keys(labs, "Observation")).containsExactly("Observation/sec-oa-lab");
        assertThat(status(labs, "Observation/sec-oa-vs")).isEqualTo(404);
        assertThat(keys(labs, "DiagnosticReport?_include=DiagnosticReport:result")).containsExactly("DiagnosticReport/sec-dra");
        String bareCode = token("app-lab2", null, "sec-a", List.of("patient/Observation.rs?category=laboratory"));
        assertThat(keys(bareCode, "Observation")).containsExactly("Observation/sec-oa-lab");
    }

    @Test
    void aPractitionerSeesThePatientsItIsLinkedTo() throws Exception {
        String dr = token("app-dr", "Practitioner/sec-dr", null, List.of("user/*.rs"));
        assertThat(status(dr, "Patient/sec-a")).isEqualTo(200);
        assertThat(status(dr, "Patient/sec-b")).isEqualTo(404);
        assertThat(keys(dr, "Encounter?_count=100")).contains("Encounter/sec-ea").doesNotContain("Encounter/sec-eb");
        String dr2 = token("app-dr2", "https://example.org/fhir/Practitioner/sec-dr2", null, List.of("user/*.rs"));
        assertThat(status(dr2, "Patient/sec-b")).as("through an encounter it took part in").isEqualTo(200);
        assertThat(status(dr2, "Patient/sec-a")).isEqualTo(404);
    }

    @Test
    void capabilitiesThatCannotBeConfinedNeedTheirOwnScope() throws Exception {
        String patientAll = token("app-all", null, "sec-a", List.of("patient/*.cruds"));
        for (String path : List.of("/cypher", "/nlp", "/import", "/actuator/metrics")) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                    .header("Authorization", "Bearer " + patientAll).header("Content-Type", "application/json");
            HttpResponse<String> r = http.send((path.startsWith("/actuator") ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString("{}"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(403);
            assertThat(JSON.readTree(r.body()).get("code").asText()).isEqualTo("FORBIDDEN");
        }
        assertThat(call(patientAll, "GET", "$export", null, "Prefer", "respond-async").statusCode()).isEqualTo(403);
    }

    @Test
    void theDoorFailsClosedWhenAQueryReturnsWhatTheCallerMayNotSee() {
        AccessContext patientA = AccessContext.token("t", null, "j", "Patient/sec-a", List.of("patient/*.rs"), Set.of());
        // reindex-page reads every resource unfiltered (it is the server's own work): a patient context must not get it
        assertThatThrownBy(() -> reader.list(patientA, "reindex-page", Map.of("after", "Observation/sec-", "limit", 500), r -> r))
                .isInstanceOf(AccessViolationException.class);
        assertThat(reader.list(AccessContext.service("test"), "reindex-page", Map.of("after", "Observation/sec-", "limit", 5), r -> r))
                .isNotEmpty();
        assertThat(reader.read(patientA, "Observation/sec-oa-lab")).isPresent();
        assertThat(reader.read(patientA, "Observation/sec-ob")).isEmpty();
        assertThat(patientA.touched()).containsExactly("Patient/sec-a");
    }

    @Test
    void conformanceReadPathsStayInTheCompartment() throws Exception {
        // full text: B's Observation is found by its code for the system, not for A's token
        assertThat(keys(systemToken(), "Observation?_content=sec-code-b")).containsExactly("Observation/sec-ob");
        assertThat(keys(alice, "Observation?_content=sec-code-b")).isEmpty();
        assertThat(keys(systemToken(), "Observation?_content=laboratory")).containsExactlyInAnyOrder("Observation/sec-oa-lab", "Observation/sec-ob");
        assertThat(keys(alice, "Observation?_content=laboratory")).containsExactly("Observation/sec-oa-lab");
        // compartment search in B's compartment
        assertThat(keys(alice, "Patient/sec-b/Observation")).isEmpty();
        assertThat(keys(alice, "Patient/sec-b/*")).doesNotContain("Patient/sec-b", "Observation/sec-ob", "Encounter/sec-eb", "Condition/sec-cb");
        // whole-system search
        assertThat(keys(alice, "?_type=Observation,Condition,Encounter")).containsExactlyInAnyOrder("Observation/sec-oa-lab",
                "Observation/sec-oa-vs", "Encounter/sec-ea");
        assertThat(keys(alice, "?_id=sec-ob,sec-oa-vs,sec-b")).containsExactly("Observation/sec-oa-vs");
        // _revinclude=*, _filter, _list
        assertThat(keys(alice, "Practitioner?_id=sec-dr2&_revinclude=*")).containsExactly("Practitioner/sec-dr2");
        assertThat(keys(alice, "Observation?_filter=" + q("code eq sec-code-b or code eq sec-code-v"))).containsExactly("Observation/sec-oa-vs");
        HttpResponse<String> list = call(systemToken(), "PUT", "List/sec-list", "{\"resourceType\":\"List\",\"id\":\"sec-list\","
                + "\"status\":\"current\",\"mode\":\"working\",\"subject\":{\"reference\":\"Patient/sec-a\"},"
                + "\"entry\":[{\"item\":{\"reference\":\"Observation/sec-ob\"}},{\"item\":{\"reference\":\"Observation/sec-oa-vs\"}}]}");
        assertThat(list.statusCode()).isIn(200, 201);
        assertThat(keys(alice, "Observation?_list=sec-list")).containsExactly("Observation/sec-oa-vs");
        // operations
        assertThat(keys(alice, "Observation/$lastn?max=5")).containsExactlyInAnyOrder("Observation/sec-oa-lab", "Observation/sec-oa-vs");
        assertThat(keys(alice, "Observation/$lastn?code=sec-code-b")).isEmpty();
        assertThat(status(alice, "Encounter/sec-eb/$everything")).isEqualTo(404);
        assertThat(keys(alice, "Encounter/sec-ea/$everything")).doesNotContain("Patient/sec-b", "Observation/sec-ob", "Encounter/sec-eb");
        assertThat(status(alice, "Observation/sec-ob/$meta")).isEqualTo(404);
        assertThat(status(alice, "Observation/sec-ob/$validate")).isEqualTo(404);
        assertThat(call(alice, "POST", "Observation/sec-ob/$meta-add", "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"meta\","
                + "\"valueMeta\":{\"tag\":[{\"code\":\"x\"}]}}]}").statusCode()).isEqualTo(404);
        // a batch's search entry
        HttpResponse<String> batch = call(alice, "POST", "", "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
                + "{\"request\":{\"method\":\"GET\",\"url\":\"Observation?code=sec-code-b\"}}]}");
        assertThat(JSON.readTree(batch.body()).at("/entry/0/resource/total").asInt()).isZero();
    }
}
