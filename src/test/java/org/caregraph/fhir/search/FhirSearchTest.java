package org.caregraph.fhir.search;

import org.caregraph.security.AccessContext;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.caregraph.GraphTest;
import org.caregraph.fhir.ResourceMatcher;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * FHIR search through real HTTP on hand-made resources whose answers are known: every parameter type, modifier,
 * prefix (with date precision), OR and AND, the special parameters, sorting, keyset paging, totals, includes, chains,
 * _has, errors, and the index following updates and deletes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FhirSearchTest extends GraphTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    @Autowired private ResourceMatcher matcher;
    @Autowired private GraphSearch search;
    @Autowired private io.micrometer.core.instrument.MeterRegistry meters;

    @BeforeAll
    void fixture() throws Exception {
        clearGraph();
        put("Patient/sp-p1", """
                {"resourceType":"Patient","id":"sp-p1","meta":{"tag":[{"system":"http://tags","code":"vip"}],
                 "profile":["http://ex/prof"]},"identifier":[{"system":"http://ids","value":"A1"}],"active":true,
                 "name":[{"family":"Ébert","given":["Anna"]}],"gender":"female","birthDate":"1980-05-10"}""");
        put("Patient/sp-p2", """
                {"resourceType":"Patient","id":"sp-p2","active":false,"name":[{"family":"Smith","given":["John"]}],
                 "gender":"male","birthDate":"1990-01-01"}""");
        put("Encounter/sp-e1", """
                {"resourceType":"Encounter","id":"sp-e1","status":"finished","class":{"code":"AMB"},
                 "subject":{"reference":"Patient/sp-p1"},
                 "period":{"start":"2020-03-04T09:00:00Z","end":"2020-03-04T11:00:00Z"}}""");
        put("Observation/sp-o1", observation("sp-o1", "sp-p1", "8302-2", "Body height", "\"effectiveDateTime\":\"2020-03-04T10:00:00Z\",",
                "170", "cm", "final", ",\"encounter\":{\"reference\":\"Encounter/sp-e1\"}"));
        put("Observation/sp-o2", observation("sp-o2", "sp-p1", "29463-7", "Body weight", "\"effectiveDateTime\":\"2021-06-01\",",
                "70", "kg", "final", ""));
        put("Observation/sp-o3", observation("sp-o3", "sp-p2", "8302-2", null, "\"effectiveDateTime\":\"2020-12-31T23:00:00Z\",",
                "180", "cm", "preliminary", ""));
        put("Observation/sp-o4", """
                {"resourceType":"Observation","id":"sp-o4","status":"final","subject":{"reference":"Patient/sp-p2"},
                 "performer":[{"type":"Practitioner","identifier":{"system":"http://npi","value":"99"}}],
                 "code":{"coding":[{"system":"http://other","code":"X1","display":"Other"}]}}""");
        put("RiskAssessment/sp-r1", risk("sp-r1", "sp-p1", "0.25"));
        put("RiskAssessment/sp-r2", risk("sp-r2", "sp-p2", "0.8"));
    }

    private static String observation(String id, String patient, String code, String display, String effective,
                                      String value, String unit, String status, String extra) {
        return "{\"resourceType\":\"Observation\",\"id\":\"" + id + "\",\"status\":\"" + status + "\","
                + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"" + code + "\""
                + (display == null ? "" : ",\"display\":\"" + display + "\"") + "}]},"
                + "\"subject\":{\"reference\":\"Patient/" + patient + "\"}," + effective
                + "\"valueQuantity\":{\"value\":" + value + ",\"system\":\"http://unitsofmeasure.org\",\"code\":\"" + unit + "\"}"
                + extra + "}";
    }

    private static String risk(String id, String patient, String probability) {
        return "{\"resourceType\":\"RiskAssessment\",\"id\":\"" + id + "\",\"status\":\"final\","
                + "\"subject\":{\"reference\":\"Patient/" + patient + "\"},\"prediction\":[{\"probabilityDecimal\":" + probability + "}]}";
    }

    @Test
    void everyParameterTypeModifierAndPrefix() throws Exception {
        Map<String, List<String>> table = new java.util.LinkedHashMap<>();
        // token
        table.put("Observation?code=http://loinc.org|8302-2", List.of("sp-o1", "sp-o3"));
        table.put("Observation?code=8302-2", List.of("sp-o1", "sp-o3"));
        table.put("Observation?code=|8302-2", List.of());
        table.put("Observation?code=http://loinc.org|", List.of("sp-o1", "sp-o2", "sp-o3"));
        table.put("Observation?code:not=http://loinc.org|8302-2", List.of("sp-o2", "sp-o4"));
        table.put("Observation?code:text=BODY", List.of("sp-o1", "sp-o2"));
        table.put("Observation?code=http://loinc.org|8302-2,http://loinc.org|29463-7", List.of("sp-o1", "sp-o2", "sp-o3"));
        table.put("Observation?status=final", List.of("sp-o1", "sp-o2", "sp-o4"));
        table.put("Patient?identifier=http://ids|A1", List.of("sp-p1"));
        table.put("Patient?identifier=A1", List.of("sp-p1"));
        table.put("Patient?gender=female", List.of("sp-p1"));
        table.put("Patient?active=false", List.of("sp-p2"));
        // string: starts with, case- and accent-insensitive; :exact; :contains
        table.put("Patient?name=eber", List.of("sp-p1"));
        table.put("Patient?family=SMI", List.of("sp-p2"));
        table.put("Patient?name:exact=Ébert", List.of("sp-p1"));
        table.put("Patient?name:exact=ebert", List.of());
        table.put("Patient?name:contains=mit", List.of("sp-p2"));
        // date: precision and every prefix
        table.put("Observation?date=2020", List.of("sp-o1", "sp-o3"));
        table.put("Observation?date=2020-03-04", List.of("sp-o1"));
        table.put("Observation?date=gt2020-12-31", List.of("sp-o2"));
        table.put("Observation?date=ge2020-12-31", List.of("sp-o2", "sp-o3"));
        table.put("Observation?date=lt2020-03-05", List.of("sp-o1"));
        table.put("Observation?date=le2020-03-04", List.of("sp-o1"));
        table.put("Observation?date=ne2020", List.of("sp-o2"));
        table.put("Observation?date=sa2020", List.of("sp-o2"));
        table.put("Observation?date=eb2021", List.of("sp-o1", "sp-o3"));
        table.put("Observation?date=ap2020-03-04", List.of("sp-o1"));
        table.put("Observation?date=eq2020-12-31T23:00:00Z", List.of("sp-o3"));
        table.put("Observation?date=2020-12-31T23:00:00%2B01:00", List.of());
        table.put("Encounter?date=2020-03-04", List.of("sp-e1"));
        table.put("Encounter?date=2020-03-04T10:00:00Z", List.of());
        table.put("Encounter?date=ge2020-03-04T10:00:00Z", List.of("sp-e1"));
        table.put("Patient?birthdate=lt1985", List.of("sp-p1"));
        // repeated parameter: AND
        table.put("Observation?date=2020&date=lt2020-06", List.of("sp-o1"));
        // number
        table.put("RiskAssessment?probability=0.25", List.of("sp-r1"));
        table.put("RiskAssessment?probability=0.2", List.of());
        table.put("RiskAssessment?probability=gt0.5", List.of("sp-r2"));
        table.put("RiskAssessment?probability=le0.25", List.of("sp-r1"));
        table.put("RiskAssessment?probability=lt0.25", List.of());
        table.put("RiskAssessment?probability=ne0.25", List.of("sp-r2"));
        table.put("RiskAssessment?probability=ap0.79", List.of("sp-r2"));
        table.put("RiskAssessment?probability=sa0.25", List.of("sp-r2"));
        table.put("RiskAssessment?probability=eb0.8", List.of("sp-r1"));
        // quantity
        table.put("Observation?value-quantity=170", List.of("sp-o1"));
        table.put("Observation?value-quantity=gt171|http://unitsofmeasure.org|cm", List.of("sp-o3"));
        table.put("Observation?value-quantity=ge170||cm", List.of("sp-o1", "sp-o3"));
        table.put("Observation?value-quantity=lt100", List.of("sp-o2"));
        table.put("Observation?value-quantity=170|http://unitsofmeasure.org|kg", List.of());
        // reference: Type/id, id, :[type], several values, with another parameter
        table.put("Observation?patient=Patient/sp-p1", List.of("sp-o1", "sp-o2"));
        table.put("Observation?patient=sp-p1", List.of("sp-o1", "sp-o2"));
        table.put("Observation?subject=sp-p1", List.of("sp-o1", "sp-o2"));
        table.put("Observation?subject:Patient=sp-p2", List.of("sp-o3", "sp-o4"));
        table.put("Observation?encounter=Encounter/sp-e1", List.of("sp-o1"));
        table.put("Observation?patient=sp-p1,sp-p2&code=8302-2", List.of("sp-o1", "sp-o3"));
        table.put("RiskAssessment?subject=Patient/sp-p2", List.of("sp-r2"));
        table.put("Observation?performer:identifier=http://npi|99", List.of("sp-o4"));
        table.put("Observation?performer:identifier=99", List.of("sp-o4"));
        table.put("Observation?performer:identifier=http://npi|98", List.of());
        // :missing
        table.put("Observation?value-quantity:missing=true", List.of("sp-o4"));
        table.put("Observation?date:missing=false", List.of("sp-o1", "sp-o2", "sp-o3"));
        table.put("Observation?encounter:missing=true", List.of("sp-o2", "sp-o3", "sp-o4"));
        // uri, _tag, _profile, _id, _lastUpdated
        table.put("Patient?_profile=http://ex/prof", List.of("sp-p1"));
        table.put("Patient?_tag=http://tags|vip", List.of("sp-p1"));
        table.put("Patient?_id=sp-p1,sp-p2", List.of("sp-p1", "sp-p2"));
        table.put("Observation?_id=sp-o1&code=29463-7", List.of());
        table.put("Patient?_lastUpdated=gt2000", List.of("sp-p1", "sp-p2"));
        table.put("Patient?_lastUpdated=lt2000", List.of());
        // chains (one and two levels) and _has
        table.put("Observation?subject:Patient.name=smith", List.of("sp-o3", "sp-o4"));
        table.put("Observation?patient.name=ebert", List.of("sp-o1", "sp-o2"));
        table.put("Observation?encounter.subject:Patient.name=ebert", List.of("sp-o1"));
        table.put("Observation?patient.name=nobody", List.of());
        table.put("Patient?_has:Observation:patient:code=29463-7", List.of("sp-p1"));
        table.put("Patient?_has:Observation:patient:status=preliminary", List.of("sp-p2"));
        for (Map.Entry<String, List<String>> row : table.entrySet()) {
            assertThat(matches(row.getKey())).as(row.getKey()).containsExactlyInAnyOrderElementsOf(row.getValue());
        }
    }

    @Test
    void sortsByManyKeysDescending() throws Exception {
        assertThat(matches("Observation?_sort=-date")).containsExactly("sp-o2", "sp-o3", "sp-o1", "sp-o4");
        assertThat(matches("Observation?_sort=status,-date")).containsExactly("sp-o2", "sp-o1", "sp-o4", "sp-o3");
        assertThat(matches("Patient?_sort=-_id")).containsExactly("sp-p2", "sp-p1");
        assertThat(matches("RiskAssessment?_sort=-probability")).containsExactly("sp-r2", "sp-r1");
    }

    @Test
    void pagesAreStableAcrossWritesAndCountUnlessNone() throws Exception {
        for (int i = 1; i <= 3; i++) put("Condition/sp-c" + i, condition("sp-c" + i, "201" + i));
        JsonNode page1 = get("Condition?code=http://paging|p&_sort=onset-date&_count=2&_total=accurate");
        assertThat(ids(page1, "match")).containsExactly("sp-c1", "sp-c2");
        assertThat(page1.get("total").asInt()).isEqualTo(3);
        // a resource that sorts first is written between the two page requests: the next page does not shift
        put("Condition/sp-c0", condition("sp-c0", "2000"));
        JsonNode page2 = getUrl(next(page1));
        assertThat(ids(page2, "match")).containsExactly("sp-c3");
        assertThat(get("Condition?code=http://paging|p&_count=2").get("total").asInt()).as("Bundle.total by default").isEqualTo(4);
        assertThat(get("Condition?code=http://paging|p&_count=2&_total=none").has("total")).isFalse();
        JsonNode count = get("Condition?code=http://paging|p&_summary=count");
        assertThat(count.get("total").asInt()).isEqualTo(4);
        assertThat(count.has("entry")).isFalse();

        // without _sort pages follow the key; a resource written between two page requests before the cursor does
        // not shift the next page
        JsonNode first = get("Condition?code=http://paging|p&_count=3");
        assertThat(ids(first, "match")).containsExactly("sp-c0", "sp-c1", "sp-c2");
        put("Condition/sp-c00", condition("sp-c00", "1999"));
        assertThat(ids(getUrl(next(first)), "match")).containsExactly("sp-c3");
    }

    private static String condition(String id, String onset) {
        return "{\"resourceType\":\"Condition\",\"id\":\"" + id + "\",\"subject\":{\"reference\":\"Patient/sp-p1\"},"
                + "\"code\":{\"coding\":[{\"system\":\"http://paging\",\"code\":\"p\"}]},\"onsetDateTime\":\"" + onset + "\"}";
    }

    @Test
    void commonCodesPagedByKeyScanGiveTheSamePagesAsStartingAtTheCode() throws Exception {
        // 40 Conditions: 'common' is the code of those not divisible by 5, 'rare' of the others; 'common' is also the
        // category of sp-k00 (another parameter); sp-k01 is deleted; sp-k02 is resolved
        List<String> common = new ArrayList<>();
        List<String> rare = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String id = String.format("sp-k%02d", i);
            String code = i % 5 == 0 ? "rare" : "common";
            put("Condition/" + id, "{\"resourceType\":\"Condition\",\"id\":\"" + id + "\","
                    + "\"clinicalStatus\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/condition-clinical\","
                    + "\"code\":\"" + (i == 2 ? "resolved" : "active") + "\"}]},"
                    + (i == 0 ? "\"category\":[{\"coding\":[{\"system\":\"http://scan\",\"code\":\"common\"}]}]," : "")
                    + "\"subject\":{\"reference\":\"Patient/sp-p1\"},"
                    + "\"code\":{\"coding\":[{\"system\":\"http://scan\",\"code\":\"" + code + "\"}]}}");
            if (i != 1) (code.equals("common") ? common : rare).add(id);
        }
        HttpResponse<String> deleted = http.send(authorized(URI.create(base() + "Condition/sp-k01")).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode()).isIn(200, 204);
        List<String> active = common.stream().filter(id -> !id.equals("sp-k02")).toList();

        Map<String, List<String>> expected = new java.util.LinkedHashMap<>();
        expected.put("Condition?code=http://scan|common&_count=5", common);
        expected.put("Condition?code=common&_count=5", common);
        expected.put("Condition?code=http://scan|common&clinical-status=active&_count=4", active);
        expected.put("Condition?code=http://scan|rare&_count=3", rare);
        expected.put("Condition?code=http://scan|rare&_count=4", rare); // two full pages and no empty third
        io.micrometer.core.instrument.Timer scans = meters.timer("caregraph.graph.reads", "query",
                "search/scan-by-key+search/filter+search/page-by-key");
        try {
            for (var e : expected.entrySet()) {
                search.scanMinCandidates(Integer.MAX_VALUE);
                assertThat(allPages(e.getKey())).as(e.getKey()).containsExactlyElementsOf(e.getValue());
                long before = scans.count();
                search.scanMinCandidates(1);
                assertThat(allPages(e.getKey())).as(e.getKey() + " by key scan").containsExactlyElementsOf(e.getValue());
                assertThat(scans.count()).as(e.getKey()).isGreaterThan(before);
            }
        } finally {
            search.scanMinCandidates(1000);
        }
        // the counts start at the code (or the patient) and leave out the deleted one without reading its properties
        assertThat(get("Condition?code=http://scan|common&_count=5").get("total").asInt()).isEqualTo(common.size());
        assertThat(get("Condition?code=common&_count=5").get("total").asInt()).isEqualTo(common.size());
        assertThat(get("Condition?subject=Patient/sp-p1&code=http://scan|common").get("total").asInt()).isEqualTo(common.size());
    }

    /** The ids of every page of a search, following the next links; every page has matches. */
    private List<String> allPages(String path) throws Exception {
        List<String> out = new ArrayList<>();
        JsonNode page = get(path);
        while (true) {
            assertThat(ids(page, "match")).as("a page of " + path).isNotEmpty();
            out.addAll(ids(page, "match"));
            String next = null;
            for (JsonNode link : page.get("link")) if (link.get("relation").asText().equals("next")) next = link.get("url").asText();
            if (next == null) return out;
            page = getUrl(next);
        }
    }

    @Test
    void includesAndRevincludesWithIterate() throws Exception {
        JsonNode inc = get("Observation?_id=sp-o1&_include=Observation:patient&_include=Observation:encounter");
        assertThat(ids(inc, "match")).containsExactly("sp-o1");
        assertThat(ids(inc, "include")).containsExactlyInAnyOrder("sp-p1", "sp-e1");
        JsonNode rev = get("Patient?_id=sp-p1&_revinclude=Encounter:subject");
        assertThat(ids(rev, "match")).containsExactly("sp-p1");
        assertThat(ids(rev, "include")).containsExactly("sp-e1");
        JsonNode iterate = get("Encounter?_id=sp-e1&_revinclude=Observation:encounter&_include:iterate=Observation:patient");
        assertThat(ids(iterate, "include")).containsExactlyInAnyOrder("sp-o1", "sp-p1");
        JsonNode once = get("Encounter?_id=sp-e1&_revinclude=Observation:encounter&_include=Observation:patient");
        assertThat(ids(once, "include")).containsExactly("sp-o1");
    }

    @Test
    void unknownOrMalformedParametersAre400UnlessLenient() throws Exception {
        for (String bad : List.of("Observation?foo=bar", "Observation?date=2020-13-45", "Observation?date=xx2020",
                "RiskAssessment?probability=abc", "Observation?code:below=x", "Observation?_sort=nope",
                "Observation?_include=Observation:nope", "Observation?value-quantity:missing=maybe")) {
            HttpResponse<String> r = send(bad, null);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).get("resourceType").asText()).as(bad).isEqualTo("OperationOutcome");
        }
        assertThat(send("Observation?foo=bar", null).body()).contains("foo");
        HttpResponse<String> lenient = send("Observation?foo=bar&code=29463-7", "handling=lenient");
        assertThat(lenient.statusCode()).isEqualTo(200);
        assertThat(ids(JSON.readTree(lenient.body()), "match")).containsExactly("sp-o2");
        assertThat(send("Observation?date=2020-13-45", "handling=lenient").statusCode()).isEqualTo(400);
    }

    @Test
    void updatesAndDeletesChangeWhatMatches() throws Exception {
        put("Patient/sp-u1", "{\"resourceType\":\"Patient\",\"id\":\"sp-u1\",\"name\":[{\"family\":\"Oldname\"}]}");
        assertThat(matches("Patient?family=oldname")).containsExactly("sp-u1");
        put("Patient/sp-u1", "{\"resourceType\":\"Patient\",\"id\":\"sp-u1\",\"name\":[{\"family\":\"Newname\"}]}");
        assertThat(matches("Patient?family=oldname")).isEmpty();
        assertThat(matches("Patient?family=newname")).containsExactly("sp-u1");
        assertThat(matcher.match(AccessContext.service("test"), "Patient", "family=newname", 10)).containsExactly("Patient/sp-u1");
        assertThat(matcher.match(AccessContext.service("test"), "Patient", "identifier=http%3A%2F%2Fids%7CA1", 10)).containsExactly("Patient/sp-p1");
        HttpRequest delete = authorized(URI.create(base() + "Patient/sp-u1")).DELETE().build();
        assertThat(http.send(delete, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(matches("Patient?family=newname")).isEmpty();
        assertThat(matches("Patient?_id=sp-u1")).isEmpty();
    }

    @Test
    void capabilityStatementListsSearch() throws Exception {
        JsonNode cs = get("metadata");
        for (JsonNode r : cs.at("/rest/0/resource")) {
            String type = r.get("type").asText();
            if (type.equals("Observation")) {
                assertThat(r.get("searchParam").toString()).contains("\"name\":\"code\"", "\"name\":\"value-quantity\"", "\"name\":\"_lastUpdated\"");
                assertThat(r.get("searchInclude").toString()).contains("Observation:patient");
                assertThat(r.get("interaction").toString()).contains("search-type");
            }
            if (type.equals("Patient")) assertThat(r.get("searchRevInclude").toString()).contains("Observation:patient");
        }
    }

    // --- HTTP helpers

    private String base() {
        return "http://127.0.0.1:" + httpPort + "/fhir/";
    }

    private void put(String path, String body) throws Exception {
        HttpRequest req = authorized(URI.create(base() + path)).header("Content-Type", "application/fhir+json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + " " + r.body()).isIn(200, 201);
    }

    private HttpResponse<String> send(String path, String prefer) throws Exception {
        HttpRequest.Builder b = authorized(URI.create(base() + path.replace("|", "%7C"))).header("Accept", "application/fhir+json");
        if (prefer != null) b.header("Prefer", prefer);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = send(path, null);
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private JsonNode getUrl(String url) throws Exception {
        HttpResponse<String> r = http.send(authorized(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + " " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private List<String> matches(String path) throws Exception {
        return ids(get(path), "match");
    }

    private static List<String> ids(JsonNode bundle, String mode) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : bundle.path("entry")) if (e.at("/search/mode").asText().equals(mode)) out.add(e.at("/resource/id").asText());
        return out;
    }

    private static String next(JsonNode bundle) {
        for (JsonNode link : bundle.get("link")) if (link.get("relation").asText().equals("next")) return link.get("url").asText();
        throw new AssertionError("no next link in " + bundle);
    }
}
