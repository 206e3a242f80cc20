package org.caregraph.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.caregraph.security.AccessContext;
import org.junit.jupiter.api.Test;

/**
 * Bulk Data Access 2.0.0 as the IG writes it, over real HTTP with real tokens on the 5 Synthea patients: the kick-off
 * headers, GET and POST kick-off, every parameter with its error and its lenient handling (_type, _since,
 * _outputFormat, _elements, patient, includeAssociatedData, _typeFilter), the manifest and its Expires, cancel and
 * expiry, attachment URLs, and the CapabilityStatement's rows. Expected sets come from the graph or from the FHIR
 * search API, not from the export's own queries.
 */
class BulkDataConformanceTest extends BulkExportFixture {
    private static final String LENIENT = "respond-async, handling=lenient";
    private final HttpClient raw = HttpClient.newHttpClient();

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> kickOffStatus(String path, String prefer) {
        return http.get("/fhir/" + path, "Prefer", prefer);
    }

    /** A 400 with an OperationOutcome saying something about {@code mentions}. */
    private static void assertRefused(HttpResponse<String> r, String mentions) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode outcome = FhirHttp.json(r.body());
        assertThat(outcome.get("resourceType").asText()).isEqualTo("OperationOutcome");
        assertThat(outcome.at("/issue/0/diagnostics").asText()).contains(mentions);
    }

    /** The warnings of a lenient export's error file. */
    private List<String> warnings(JsonNode manifest) {
        List<String> out = new ArrayList<>();
        for (JsonNode outcome : bulk.errors(manifest)) {
            if ("warning".equals(outcome.at("/issue/0/severity").asText())) out.add(outcome.at("/issue/0/diagnostics").asText());
        }
        return out;
    }

    private void cancel(String status) {
        assertThat(http.call("DELETE", status, null).statusCode()).isEqualTo(202);
    }

    @Test
    void kickOffNeedsAcceptAndPreferHeaders() throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + httpPort + "/fhir/$export?_type=Patient");
        HttpRequest.Builder base = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + systemToken());
        HttpResponse<String> noAccept = raw.send(base.copy().header("Prefer", "respond-async").build(), HttpResponse.BodyHandlers.ofString());
        assertRefused(noAccept, "Accept");
        HttpResponse<String> xml = raw.send(base.copy().header("Prefer", "respond-async").header("Accept", "application/fhir+xml").build(),
                HttpResponse.BodyHandlers.ofString());
        // asked for XML, the refusal comes in XML
        assertThat(xml.statusCode()).isEqualTo(400);
        assertThat(xml.body()).contains("<OperationOutcome", "Accept");
        HttpResponse<String> noPrefer = raw.send(base.copy().header("Accept", "application/fhir+json").build(), HttpResponse.BodyHandlers.ofString());
        assertRefused(noPrefer, "Prefer");
        HttpResponse<String> ok = raw.send(base.copy().header("Accept", "application/fhir+json")
                .header("Prefer", "respond-async").build(), HttpResponse.BodyHandlers.ofString());
        cancel(BulkDataClient.accepted(ok));
        HttpResponse<String> noToken = raw.send(HttpRequest.newBuilder(uri).header("Accept", "application/fhir+json")
                .header("Prefer", "respond-async").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(401);
    }

    @Test
    void postKickOffTakesAParametersBody() throws Exception {
        String body = """
                {"resourceType": "Parameters", "parameter": [
                  {"name": "_type", "valueString": "Patient"},
                  {"name": "_type", "valueString": "Condition,Encounter"},
                  {"name": "_since", "valueInstant": "2000-01-01T00:00:00Z"},
                  {"name": "_outputFormat", "valueString": "application/fhir+ndjson"}]}""";
        JsonNode manifest = bulk.await(bulk.post("$export", body));
        assertThat(manifest.get("request").asText()).isEqualTo("http://127.0.0.1:" + httpPort + "/fhir/$export");
        assertThat(BulkDataClient.counts(bulk.files(manifest))).isEqualTo(graphCounts("n:Patient OR n:Condition OR n:Encounter"));
        for (String field : List.of("transactionTime", "request", "requiresAccessToken", "output", "error")) {
            assertThat(manifest.has(field)).as(field).isTrue();
        }

        HttpResponse<String> notParameters = http.call("POST", "/fhir/$export", "{\"resourceType\":\"Patient\"}", "Prefer", "respond-async");
        assertRefused(notParameters, "Parameters");
        HttpResponse<String> complex = http.call("POST", "/fhir/$export", """
                {"resourceType": "Parameters", "parameter": [{"name": "_type", "valueCoding": {"code": "Patient"}}]}""",
                "Prefer", "respond-async");
        assertRefused(complex, "_type");
    }

    @Test
    void typeIsRepeatedOrCommaSeparatedAndAnUnknownOneIsRefusedUnlessLenient() throws Exception {
        JsonNode manifest = bulk.await(bulk.kickOff("$export?_type=Patient&_type=Condition,%20Encounter"));
        assertThat(BulkDataClient.counts(bulk.files(manifest)).keySet()).containsExactly("Condition", "Encounter", "Patient");

        assertRefused(kickOffStatus("$export?_type=Patient,Nonsense", "respond-async"), "Nonsense");
        JsonNode lenient = bulk.await(BulkDataClient.accepted(kickOffStatus("$export?_type=Patient,Nonsense", LENIENT)));
        assertThat(BulkDataClient.counts(bulk.files(lenient)).keySet()).containsExactly("Patient");
        assertThat(warnings(lenient)).singleElement().asString().contains("Nonsense");
    }

    @Test
    void sinceOutputFormatAndUnknownParameters() throws Exception {
        String future = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
        assertRefused(kickOffStatus("$export?_since=" + enc(future), "respond-async"), "future");
        assertRefused(kickOffStatus("$export?_since=2020-01-01T00:00:00Z&_since=2021-01-01T00:00:00Z", "respond-async"), "_since");
        for (String format : List.of("application/fhir+ndjson", "application/ndjson", "ndjson")) {
            cancel(bulk.kickOff("$export?_type=Patient&_outputFormat=" + enc(format)));
        }
        assertRefused(kickOffStatus("$export?_outputFormat=text/csv", "respond-async"), "_outputFormat");
        // not a Bulk Data 2.0 parameter: refused, or passed over with a warning in the manifest
        assertRefused(kickOffStatus("$export?_type=Patient&_until=2030-01-01T00:00:00Z", "respond-async"), "_until");
        JsonNode lenient = bulk.await(BulkDataClient.accepted(kickOffStatus("$export?_type=Patient&_until=2030-01-01T00:00:00Z", LENIENT)));
        assertThat(warnings(lenient)).singleElement().asString().contains("_until");
        assertThat(BulkDataClient.counts(bulk.files(lenient))).isEqualTo(graphCounts("n:Patient"));
    }

    @Test
    void elementsKeepsTheListedAndMandatoryElementsAndTagsSubsetted() throws Exception {
        Map<String, List<JsonNode>> files = bulk.files(bulk.await(bulk.kickOff(
                "$export?_type=Patient,Observation&_elements=Patient.gender,status")));
        assertThat(files.get("Patient")).hasSize(5).allSatisfy(p -> {
            assertThat(fields(p)).containsExactlyInAnyOrder("resourceType", "id", "meta", "gender");
            assertThat(p.at("/meta/tag").findValuesAsText("code")).contains("SUBSETTED");
            assertThat(p.at("/meta/versionId").asText()).isNotEmpty();
        });
        // Observation.status and .code are mandatory (1..1): kept without being asked for; subject and value are not
        assertThat(files.get("Observation")).isNotEmpty().allSatisfy(o ->
                assertThat(fields(o)).containsExactlyInAnyOrder("resourceType", "id", "meta", "status", "code"));

        // a choice element by its name: value keeps valueQuantity
        List<JsonNode> values = bulk.files(bulk.await(bulk.kickOff("$export?_type=Observation&_elements=Observation.value")))
                .get("Observation");
        assertThat(values).anySatisfy(o -> assertThat(o.has("valueQuantity")).isTrue());
        assertThat(values).noneSatisfy(o -> assertThat(o.has("subject")).isTrue());

        assertRefused(kickOffStatus("$export?_type=Patient&_elements=Patient.name.given", "respond-async"), "root element");
        assertRefused(kickOffStatus("$export?_type=Patient&_elements=Patient.nonesuch", "respond-async"), "nonesuch");
        JsonNode lenient = bulk.await(BulkDataClient.accepted(kickOffStatus("$export?_type=Patient&_elements=Patient.name.given,gender", LENIENT)));
        assertThat(warnings(lenient)).singleElement().asString().contains("Patient.name.given");
        assertThat(bulk.files(lenient).get("Patient")).allSatisfy(p -> assertThat(p.has("name")).isFalse());
    }

    private static Set<String> fields(JsonNode node) {
        Set<String> out = new TreeSet<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static String patientParameters(String... ids) {
        StringBuilder b = new StringBuilder("{\"resourceType\": \"Parameters\", \"parameter\": [");
        for (int i = 0; i < ids.length; i++) {
            b.append(i == 0 ? "" : ",").append("{\"name\": \"patient\", \"valueReference\": {\"reference\": \"Patient/")
                    .append(ids[i]).append("\"}}");
        }
        return b.append("]}").toString();
    }

    @Test
    void patientParameterConfinesPatientAndGroupLevel() throws Exception {
        List<String> ids = patientIds();
        List<String> two = ids.subList(0, 2);
        Map<String, List<JsonNode>> files = bulk.files(bulk.await(bulk.post("Patient/$export", patientParameters(two.get(0), two.get(1)))));
        assertThat(BulkDataClient.counts(files)).isEqualTo(graphCounts(NAMES_ONE, "ids", two));
        assertThat(BulkDataClient.ids(files, "Patient")).containsExactlyElementsOf(two);

        http.put("{\"resourceType\":\"Group\",\"id\":\"bulk-three\",\"type\":\"person\",\"actual\":true,\"member\":["
                + "{\"entity\":{\"reference\":\"Patient/" + ids.get(0) + "\"}},{\"entity\":{\"reference\":\"Patient/" + ids.get(1) + "\"}},"
                + "{\"entity\":{\"reference\":\"Patient/" + ids.get(2) + "\"}}]}");
        Map<String, List<JsonNode>> group = bulk.files(bulk.await(bulk.post("Group/bulk-three/$export", patientParameters(ids.get(1)))));
        assertThat(BulkDataClient.ids(group, "Patient")).containsExactly(ids.get(1));
        assertThat(BulkDataClient.counts(group).get("Condition")).isEqualTo(graphCounts(NAMES_ONE, "ids", List.of(ids.get(1))).get("Condition"));

        // not a member, not present, or at system level: refused; the first two passed over when lenient
        HttpResponse<String> outsider = http.call("POST", "/fhir/Group/bulk-three/$export", patientParameters(ids.get(4)), "Prefer", "respond-async");
        assertRefused(outsider, "not a member");
        HttpResponse<String> absent = http.call("POST", "/fhir/Patient/$export", patientParameters("nonesuch"), "Prefer", "respond-async");
        assertRefused(absent, "not present");
        HttpResponse<String> system = http.call("POST", "/fhir/$export", patientParameters(ids.get(0)), "Prefer", LENIENT);
        assertRefused(system, "system-level");
        JsonNode lenient = bulk.await(bulk.post("Group/bulk-three/$export", patientParameters(ids.get(1), ids.get(4), "nonesuch"),
                "Prefer", "handling=lenient"));
        assertThat(BulkDataClient.ids(bulk.files(lenient), "Patient")).containsExactly(ids.get(1));
        assertThat(warnings(lenient)).hasSize(2);
        // GET with the parameter works alike
        Map<String, List<JsonNode>> byGet = bulk.files(bulk.await(bulk.kickOff("Patient/$export?_type=Patient&patient=Patient/" + ids.get(3))));
        assertThat(BulkDataClient.ids(byGet, "Patient")).containsExactly(ids.get(3));
    }

    /** A Condition of patient {@code patient} with two Provenance resources, recorded a year apart. */
    private void conditionWithTwoProvenance(String patient) {
        http.put("{\"resourceType\":\"Condition\",\"id\":\"bulk-prov-c\",\"subject\":{\"reference\":\"Patient/" + patient + "\"},"
                + "\"code\":{\"text\":\"provenance test\"}}");
        for (String[] p : List.of(new String[] {"bulk-prov-old", "2020-01-01T00:00:00Z"}, new String[] {"bulk-prov-new", "2021-01-01T00:00:00Z"})) {
            http.put("{\"resourceType\":\"Provenance\",\"id\":\"" + p[0] + "\",\"target\":[{\"reference\":\"Condition/bulk-prov-c\"}],"
                    + "\"recorded\":\"" + p[1] + "\",\"agent\":[{\"who\":{\"display\":\"a test\"}}]}");
        }
    }

    @Test
    void includeAssociatedDataAddsTheProvenanceOfWhatIsExported() throws Exception {
        List<String> ids = patientIds();
        conditionWithTwoProvenance(ids.get(0));
        String one = "$export?_type=Condition&_typeFilter=" + enc("Condition?_id=bulk-prov-c");
        Map<String, List<JsonNode>> plain = bulk.files(bulk.await(bulk.kickOff(one)));
        assertThat(BulkDataClient.ids(plain, "Condition")).containsExactly("bulk-prov-c");
        assertThat(plain).doesNotContainKey("Provenance");

        Map<String, List<JsonNode>> relevant = bulk.files(bulk.await(bulk.kickOff(one + "&includeAssociatedData=RelevantProvenanceResources")));
        assertThat(BulkDataClient.ids(relevant, "Provenance")).containsExactly("bulk-prov-new", "bulk-prov-old");
        Map<String, List<JsonNode>> latest = bulk.files(bulk.await(bulk.kickOff(one + "&includeAssociatedData=LatestProvenanceResources")));
        assertThat(BulkDataClient.ids(latest, "Provenance")).containsExactly("bulk-prov-new");
        // both: the least restrictive wins
        Map<String, List<JsonNode>> both = bulk.files(bulk.await(bulk.kickOff(one
                + "&includeAssociatedData=LatestProvenanceResources,RelevantProvenanceResources")));
        assertThat(BulkDataClient.ids(both, "Provenance")).containsExactly("bulk-prov-new", "bulk-prov-old");

        assertRefused(kickOffStatus(one + "&includeAssociatedData=_myPreset", "respond-async"), "_myPreset");
        JsonNode lenient = bulk.await(BulkDataClient.accepted(kickOffStatus(one + "&includeAssociatedData=_myPreset", LENIENT)));
        assertThat(warnings(lenient)).singleElement().asString().contains("_myPreset");

        // without includeAssociatedData, a Patient-level export has every Provenance whose target is in a compartment
        Map<String, List<JsonNode>> patientLevel = bulk.files(bulk.await(bulk.kickOff("Patient/$export?_type=Provenance")));
        assertThat(BulkDataClient.ids(patientLevel, "Provenance")).contains("bulk-prov-new", "bulk-prov-old")
                .hasSize(graphCounts("n:Provenance").get("Provenance"));
        http.put("{\"resourceType\":\"Group\",\"id\":\"bulk-other\",\"type\":\"person\",\"actual\":true,\"member\":["
                + "{\"entity\":{\"reference\":\"Patient/" + ids.get(1) + "\"}}]}");
        Map<String, List<JsonNode>> other = bulk.files(bulk.await(bulk.kickOff("Group/bulk-other/$export?_type=Provenance")));
        assertThat(BulkDataClient.ids(other, "Provenance")).hasSize(1).doesNotContain("bulk-prov-new", "bulk-prov-old");
    }

    /** The ids a FHIR search finds, every page. */
    private Set<String> searched(String query) {
        Set<String> out = new HashSet<>();
        String next = "/fhir/" + query + "&_count=500";
        while (next != null) {
            JsonNode bundle = FhirHttp.json(http.get(next).body());
            bundle.path("entry").forEach(e -> out.add(e.at("/resource/id").asText()));
            next = null;
            for (JsonNode link : bundle.path("link")) {
                if ("next".equals(link.get("relation").asText())) next = link.get("url").asText();
            }
        }
        return out;
    }

    @Test
    void typeFilterExportsWhatItsSearchesFind() throws Exception {
        String code = query("MATCH (o:Observation)-[:CODED]->(c:Concept) WHERE c.system = 'http://loinc.org' "
                + "RETURN c.code AS code, count(*) AS n ORDER BY n DESC, code LIMIT 1").getFirst().get("code").asString();
        String female = "Patient?gender=female";
        Set<String> byCode = searched("Observation?code=" + enc("http://loinc.org|" + code));
        Set<String> women = searched(female);
        assertThat(byCode).isNotEmpty();
        assertThat(women).isNotEmpty().hasSizeLessThan(5);

        String filter = enc("Observation?code=" + enc("http://loinc.org|" + code)) + "," + enc(female);
        Map<String, List<JsonNode>> files = bulk.files(bulk.await(bulk.kickOff("$export?_type=Observation,Patient,Condition&_typeFilter=" + filter)));
        assertThat(BulkDataClient.ids(files, "Observation")).containsExactlyInAnyOrderElementsOf(byCode);
        assertThat(BulkDataClient.ids(files, "Patient")).containsExactlyInAnyOrderElementsOf(women);
        assertThat(files.get("Condition")).hasSize(graphCounts("n:Condition").get("Condition"));

        // two queries of one type: either matches; and the filter holds at Patient level too
        String someCondition = files.get("Condition").getFirst().get("id").asText();
        String two = enc("Condition?_id=" + someCondition) + "&_typeFilter=" + enc("Condition?_id=bulk-nonesuch,bulk-prov-c");
        Map<String, List<JsonNode>> either = bulk.files(bulk.await(bulk.kickOff("Patient/$export?_type=Condition&_typeFilter=" + two)));
        Set<String> expected = new TreeSet<>(List.of(someCondition));
        if (!searched("Condition?_id=bulk-prov-c").isEmpty()) expected.add("bulk-prov-c");
        assertThat(BulkDataClient.ids(either, "Condition")).containsExactlyInAnyOrderElementsOf(expected);

        assertRefused(kickOffStatus("$export?_typeFilter=" + enc("Observation?nonesuch=1"), "respond-async"), "nonesuch");
        assertRefused(kickOffStatus("$export?_typeFilter=" + enc("Observation?status=final&_sort=date"), "respond-async"), "_sort");
        assertRefused(kickOffStatus("$export?_type=Patient&_typeFilter=" + enc("Observation?status=final"), "respond-async"),
                "not among the exported types");
        JsonNode lenient = bulk.await(BulkDataClient.accepted(kickOffStatus("$export?_type=Patient&_typeFilter="
                + enc("Patient?nonesuch=1") + "," + enc(female), LENIENT)));
        assertThat(warnings(lenient)).singleElement().asString().contains("nonesuch");
        assertThat(BulkDataClient.ids(bulk.files(lenient), "Patient")).containsExactlyInAnyOrderElementsOf(women);
    }

    @Test
    void attachmentsPointAtTheServersBinaryByAbsoluteUrl() throws Exception {
        String patient = patientIds().getFirst();
        http.put("{\"resourceType\":\"Binary\",\"id\":\"bulk-att\",\"contentType\":\"text/plain\",\"data\":\"aGVsbG8gYnVsaw==\"}");
        http.put("{\"resourceType\":\"DocumentReference\",\"id\":\"bulk-doc\",\"status\":\"current\",\"subject\":{\"reference\":\"Patient/"
                + patient + "\"},\"content\":[{\"attachment\":{\"contentType\":\"text/plain\",\"url\":\"Binary/bulk-att\"}}]}");
        Map<String, List<JsonNode>> files = bulk.files(bulk.await(bulk.kickOff("Patient/$export?_type=DocumentReference")));
        JsonNode doc = files.get("DocumentReference").stream().filter(d -> d.get("id").asText().equals("bulk-doc")).findFirst().orElseThrow();
        String url = doc.at("/content/0/attachment/url").asText();
        assertThat(url).isEqualTo("http://127.0.0.1:" + httpPort + "/fhir/Binary/bulk-att");
        // Synthea's notes are inline data: kept as they are
        assertThat(files.get("DocumentReference")).anySatisfy(d -> assertThat(d.at("/content/0/attachment/data").asText()).isNotEmpty());

        HttpResponse<String> content = raw.send(authorized(URI.create(url)).header("Accept", "text/plain").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(content.statusCode()).isEqualTo(200);
        assertThat(content.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
        assertThat(content.body()).isEqualTo("hello bulk");
    }

    /** Status and files with the headers a Bulk Data client sends (not FhirHttp's), and refused without the token. */
    @Test
    void statusAndFilesAnswerABulkClientsHeadersAndNeedTheToken() throws Exception {
        String status = bulk.kickOff("$export?_type=Patient");
        JsonNode manifest = bulk.await(status);
        HttpResponse<String> polled = raw.send(authorized(URI.create(status)).header("Accept", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(polled.statusCode()).isEqualTo(200);
        assertThat(polled.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
        assertThat(FhirHttp.json(polled.body()).get("requiresAccessToken").asBoolean()).isTrue();
        String file = manifest.at("/output/0/url").asText();
        HttpResponse<String> ndjson = raw.send(authorized(URI.create(file)).header("Accept", "application/fhir+ndjson").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ndjson.statusCode()).isEqualTo(200);
        assertThat(ndjson.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/fhir+ndjson");
        assertThat(ndjson.body().lines()).hasSize(manifest.at("/output/0/count").asInt());
        for (String url : List.of(status, file)) {
            HttpResponse<String> anonymous = raw.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", "application/json").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).as(url).isEqualTo(401);
        }
        cancel(status);
    }

    @Test
    void capabilityStatementDeclaresTheExportOperations() {
        JsonNode cs = FhirHttp.json(http.get("/fhir/metadata").body());
        assertThat(textsOf(cs.get("instantiates"))).contains("http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data");
        JsonNode rest = cs.at("/rest/0");
        assertThat(operations(rest)).containsEntry("export", "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export");
        for (JsonNode resource : rest.get("resource")) {
            String type = resource.get("type").asText();
            if (type.equals("Patient")) {
                assertThat(operations(resource)).containsEntry("export", "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export");
            } else if (type.equals("Group")) {
                assertThat(operations(resource)).containsEntry("export", "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export");
            } else {
                assertThat(operations(resource)).doesNotContainKey("export");
            }
        }
    }

    private static List<String> textsOf(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static Map<String, String> operations(JsonNode node) {
        Map<String, String> out = new java.util.TreeMap<>();
        node.path("operation").forEach(o -> out.put(o.get("name").asText(), o.path("definition").asText()));
        return out;
    }

    @Test
    void cancelledAndExpiredJobsAndTheirFilesAnswer404() throws Exception {
        String status = bulk.kickOff("$export?_type=Patient");
        JsonNode manifest = bulk.await(status);
        String file = manifest.at("/output/0/url").asText();
        cancel(status);
        for (String gone : List.of(status, file)) {
            HttpResponse<String> r = http.get(gone);
            assertThat(r.statusCode()).as(gone).isEqualTo(404);
            assertThat(FhirHttp.json(r.body()).get("resourceType").asText()).isEqualTo("OperationOutcome");
        }
        // another client's job is not there for this one
        String other = token("bulk-other-client", null, null, List.of("system/*.read"));
        String theirs = new BulkDataClient(new FhirHttp(httpPort, other)).kickOff("$export?_type=Patient");
        assertThat(http.get(theirs).statusCode()).isEqualTo(404);
        assertThat(http.call("DELETE", theirs, null).statusCode()).isEqualTo(404);

        // a finished job past the retention period (24 h): gone, with its files, on its next request
        BulkDataClient owner = new BulkDataClient(new FhirHttp(httpPort, other));
        JsonNode done = owner.await(theirs);
        String theirFile = done.at("/output/0/url").asText();
        assertThat(owner.http.get(theirFile).statusCode()).isEqualTo(200);
        String id = theirs.substring(theirs.lastIndexOf('/') + 1);
        AccessContext asOwner = AccessContext.token("bulk-other-client", null, null, null, List.of("system/*.read"), null);
        jobs.get(asOwner, id).orElseThrow().finished = Instant.now().minus(25, ChronoUnit.HOURS).toString();
        assertThat(owner.http.get(theirFile).statusCode()).isEqualTo(404);
        assertThat(owner.http.get(theirs).statusCode()).isEqualTo(404);
        assertThat(jobs.dir().resolve(Path.of(id))).doesNotExist();
    }
}
