package org.caregraph.fhir.search;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * FHIR R4 search conformance beyond the parameter types (FhirSearchTest): Bundle.total and paging links, precision and
 * approximation, string folding and escapes, every modifier, full text, the special parameters, _filter, whole-system
 * and compartment search, POST _search and HEAD. Real HTTP, real tokens, a fixture whose answers are known.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SearchConformanceTest extends GraphTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void fixture() throws Exception {
        clearGraph();
        put("""
                {"resourceType":"Patient","id":"sc-p1","language":"de","meta":{"source":"http://source/a"},
                 "text":{"status":"generated","div":"<div xmlns=\\"http://www.w3.org/1999/xhtml\\">Jürgen Straße, a keen gardener</div>"},
                 "identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]},
                   "system":"http://hospital","value":"MRN-1"}],
                 "name":[{"family":"Straße","given":["Jürgen"]}],"gender":"male","birthDate":"1970-06-15"}""");
        put("""
                {"resourceType":"Patient","id":"sc-p2","language":"en","name":[{"family":"Æsir","given":["Zoë"]}],
                 "identifier":[{"system":"http://hospital","value":"a,b$c|d"}],"gender":"female","birthDate":"1985"}""");
        put("""
                {"resourceType":"CodeSystem","id":"sc-cs","url":"http://example.org/cs","version":"1.0","status":"active",
                 "content":"complete","concept":[{"code":"animal","display":"Animal","concept":[
                   {"code":"dog","display":"Dog","concept":[{"code":"puppy","display":"Puppy"}]},{"code":"cat","display":"Cat"}]}]}""");
        put("""
                {"resourceType":"ValueSet","id":"sc-vs","url":"http://example.org/vs/pets","version":"2.0","status":"active",
                 "compose":{"include":[{"system":"http://example.org/cs","concept":[{"code":"dog"},{"code":"cat"}]}]}}""");
        put(observation("sc-o1", "sc-p1", "dog", "Dog seen", "2021-03-15T10:00:00Z", "100", "heart murmur in the dog"));
        put(observation("sc-o2", "sc-p1", "puppy", "Puppy seen", "2021-04-01T10:00:00Z", "99.5", "a playful puppy"));
        put(observation("sc-o3", "sc-p2", "cat", "Cat seen", "2022-01-10T10:00:00Z", "100.5", "cat with a cough"));
        put(observation("sc-o4", "sc-p2", "animal", "Animal seen", "2022-02-10T10:00:00Z", "150", "a generic heart check"));
        put("""
                {"resourceType":"List","id":"sc-list","status":"current","mode":"working",
                 "entry":[{"item":{"reference":"Observation/sc-o1"}},{"item":{"reference":"Observation/sc-o3"}}]}""");
        put("""
                {"resourceType":"Encounter","id":"sc-e1","status":"finished","class":{"code":"AMB"},
                 "subject":{"reference":"Patient/sc-p1"}}""");
    }

    private static String observation(String id, String patient, String code, String display, String when, String value, String narrative) {
        return "{\"resourceType\":\"Observation\",\"id\":\"" + id + "\",\"status\":\"final\","
                + "\"text\":{\"status\":\"generated\",\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">" + narrative + "</div>\"},"
                + "\"code\":{\"coding\":[{\"system\":\"http://example.org/cs\",\"code\":\"" + code + "\",\"display\":\"" + display + "\"}],"
                + "\"text\":\"" + display + " today\"},"
                + "\"subject\":{\"reference\":\"Patient/" + patient + "\"},\"effectiveDateTime\":\"" + when + "\","
                + "\"valueQuantity\":{\"value\":" + value + ",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mg\"}}";
    }

    @Test
    void totalsAndPaging() throws Exception {
        JsonNode all = get("Observation?_count=2");
        assertThat(all.get("total").asInt()).as("Bundle.total by default").isEqualTo(4);
        assertThat(links(all)).containsKeys("self", "first", "next", "last");
        JsonNode last = getUrl(links(all).get("last"));
        assertThat(ids(last)).hasSize(2);
        assertThat(links(last)).containsKey("previous");
        JsonNode first = getUrl(links(last).get("first"));
        assertThat(ids(first)).isEqualTo(ids(all));
        assertThat(get("Observation?_total=none").has("total")).isFalse();
        JsonNode single = get("Patient?_id=sc-p1");
        assertThat(links(single).get("first")).isEqualTo(links(single).get("self"));
        // _maxresults caps the matches
        JsonNode capped = get("Observation?_maxresults=3&_count=2");
        assertThat(capped.get("total").asInt()).isEqualTo(3);
        assertThat(ids(getUrl(links(capped).get("next")))).hasSize(1);
    }

    @Test
    void precisionAndApproximation() throws Exception {
        Map<String, List<String>> table = new LinkedHashMap<>();
        table.put("Patient?birthdate=1970", List.of("sc-p1"));
        table.put("Patient?birthdate=1970-06", List.of("sc-p1"));
        table.put("Patient?birthdate=1985-03-01", List.of());
        table.put("Patient?birthdate=ge1985-03-01", List.of("sc-p2"));
        table.put("Observation?date=2021-03", List.of("sc-o1"));
        table.put("Observation?date=2021", List.of("sc-o1", "sc-o2"));
        // 100 is [99.5, 100.5)
        table.put("Observation?value-quantity=100", List.of("sc-o1", "sc-o2"));
        table.put("Observation?value-quantity=100.0", List.of("sc-o1"));
        table.put("Observation?value-quantity=ap100", List.of("sc-o1", "sc-o2", "sc-o3"));
        table.put("Observation?value-quantity=ap150|http://unitsofmeasure.org|mg", List.of("sc-o4"));
        table.put("Observation?value-quantity=100|http://unitsofmeasure.org|g", List.of());
        for (var row : table.entrySet()) assertThat(matches(row.getKey())).as(row.getKey()).containsExactlyInAnyOrderElementsOf(row.getValue());
    }

    @Test
    void stringFoldingAndEscapes() throws Exception {
        Map<String, List<String>> table = new LinkedHashMap<>();
        table.put("Patient?family=strasse", List.of("sc-p1"));
        table.put("Patient?family=STRASSE", List.of("sc-p1"));
        table.put("Patient?given=jurgen", List.of("sc-p1"));
        table.put("Patient?family=aesir", List.of("sc-p2"));
        table.put("Patient?given=zoe", List.of("sc-p2"));
        table.put("Patient?identifier=http://hospital|" + enc("a\\,b\\$c\\|d"), List.of("sc-p2"));
        table.put("Patient?identifier=" + enc("a\\,b\\$c\\|d"), List.of("sc-p2"));
        for (var row : table.entrySet()) assertThat(matches(row.getKey())).as(row.getKey()).containsExactlyInAnyOrderElementsOf(row.getValue());
    }

    @Test
    void modifiers() throws Exception {
        Map<String, List<String>> table = new LinkedHashMap<>();
        table.put("Observation?code:below=http://example.org/cs|dog", List.of("sc-o1", "sc-o2"));
        table.put("Observation?code:above=http://example.org/cs|dog", List.of("sc-o1", "sc-o4"));
        table.put("Observation?code:in=http://example.org/vs/pets", List.of("sc-o1", "sc-o3"));
        table.put("Observation?code:not-in=http://example.org/vs/pets", List.of("sc-o2", "sc-o4"));
        table.put("Observation?code:text=puppy", List.of("sc-o2"));
        table.put("Observation?code:code-text=cat", List.of("sc-o3"));
        table.put("Observation?code:text-advanced=today dog", List.of("sc-o1"));
        table.put("Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|MRN-1", List.of("sc-p1"));
        table.put("Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|other", List.of());
        table.put("ValueSet?url:below=http://example.org/vs", List.of("sc-vs"));
        table.put("ValueSet?url:above=http://example.org/vs/pets/v2", List.of("sc-vs"));
        table.put("ValueSet?url=http://example.org/vs/pets|2.0", List.of("sc-vs"));
        table.put("ValueSet?url=http://example.org/vs/pets|1.0", List.of());
        table.put("Patient?name:text=jurgen", List.of("sc-p1"));
        table.put("Patient?_id:not=sc-p1", List.of("sc-p2"));
        for (var row : table.entrySet()) assertThat(matches(row.getKey())).as(row.getKey()).containsExactlyInAnyOrderElementsOf(row.getValue());
        assertThat(send("Observation?code:in=http://unknown/vs", null).statusCode()).isEqualTo(400);
        assertThat(send("Observation?date:exact=2021", null).statusCode()).isEqualTo(400);
    }

    @Test
    void fullText() throws Exception {
        assertThat(matches("Observation?_text=heart")).containsExactlyInAnyOrder("sc-o1", "sc-o4");
        assertThat(matches("Observation?_text=heart murmur")).containsExactly("sc-o1");
        assertThat(matches("Observation?_text=murmur,cough")).containsExactlyInAnyOrder("sc-o1", "sc-o3");
        assertThat(matches("Observation?_text=" + enc("\"heart check\""))).containsExactly("sc-o4");
        assertThat(matches("Observation?_text=pupp*")).containsExactly("sc-o2");
        assertThat(matches("Patient?_text=gardener")).containsExactly("sc-p1");
        assertThat(matches("Patient?_text=jurgen")).as("folded").containsExactly("sc-p1");
        // _content: the whole resource (a code, a display) not only the narrative
        assertThat(matches("Observation?_content=puppy&patient=sc-p1")).containsExactly("sc-o2");
        assertThat(matches("Observation?_content=mg&_text=cough")).containsExactly("sc-o3");
        assertThat(matches("Observation?_text=heart&_sort=_score")).containsExactlyInAnyOrder("sc-o1", "sc-o4");
        assertThat(send("Observation?_text=" + enc("\"\""), null).statusCode()).isEqualTo(400);
    }

    @Test
    void specialParameters() throws Exception {
        assertThat(matches("Patient?_source=http://source/a")).containsExactly("sc-p1");
        assertThat(matches("Patient?_language=de")).containsExactly("sc-p1");
        assertThat(matches("Observation?_list=sc-list")).containsExactlyInAnyOrder("sc-o1", "sc-o3");
        assertThat(matches("Observation?_list=sc-list&patient=sc-p2")).containsExactly("sc-o3");
        assertThat(matches("Observation?_contained=false&patient=sc-p2")).containsExactlyInAnyOrder("sc-o3", "sc-o4");
        for (String refused : List.of("Observation?_contained=true", "Observation?_query=x", "Observation?_containedType=contained",
                "Observation?code-value-quantity=x", "Observation?_list=unknown-list")) {
            HttpResponse<String> r = send(refused, null);
            assertThat(r.statusCode()).as(refused).isEqualTo(400);
            assertThat(r.body()).as(refused).contains("OperationOutcome");
        }
    }

    @Test
    void filter() throws Exception {
        Map<String, List<String>> table = new LinkedHashMap<>();
        table.put("Patient?_filter=" + enc("family eq \"Straße\""), List.of("sc-p1"));
        table.put("Patient?_filter=" + enc("family sw str or given eq Zoë"), List.of("sc-p1", "sc-p2"));
        table.put("Patient?_filter=" + enc("gender eq female and birthdate ge 1980"), List.of("sc-p2"));
        table.put("Patient?_filter=" + enc("not (gender eq female)"), List.of("sc-p1"));
        table.put("Observation?_filter=" + enc("code ss http://example.org/cs|dog and not (value-quantity gt 99.9)"), List.of("sc-o2"));
        table.put("Observation?_filter=" + enc("(patient eq sc-p1 or patient eq sc-p2) and date lt 2021-12-31"), List.of("sc-o1", "sc-o2"));
        table.put("Observation?_filter=" + enc("code in http://example.org/vs/pets"), List.of("sc-o1", "sc-o3"));
        table.put("Patient?_filter=" + enc("family co tr"), List.of("sc-p1"));
        table.put("Patient?_filter=" + enc("family ew sir"), List.of("sc-p2"));
        for (var row : table.entrySet()) assertThat(matches(row.getKey())).as(row.getKey()).containsExactlyInAnyOrderElementsOf(row.getValue());
        assertThat(send("Patient?_filter=" + enc("family xx y"), null).statusCode()).isEqualTo(400);
        assertThat(send("Patient?_filter=" + enc("(family eq y"), null).statusCode()).isEqualTo(400);
    }

    @Test
    void revincludeStar() throws Exception {
        JsonNode b = get("Patient?_id=sc-p1&_revinclude=*");
        List<String> included = new ArrayList<>();
        for (JsonNode e : b.path("entry")) if (e.at("/search/mode").asText().equals("include")) included.add(e.at("/resource/id").asText());
        assertThat(included).containsExactlyInAnyOrder("sc-o1", "sc-o2", "sc-e1");
    }

    @Test
    void summaryAndElements() throws Exception {
        JsonNode b = get("Patient?_id=sc-p1&_elements=gender&_total=accurate");
        JsonNode p = b.at("/entry/0/resource");
        assertThat(p.has("gender")).isTrue();
        assertThat(p.has("name")).isFalse();
        JsonNode s = get("Observation?patient=sc-p1&_summary=true");
        assertThat(s.at("/entry/0/resource").has("text")).isFalse();
        assertThat(get("Observation?patient=sc-p1&_summary=count").get("total").asInt()).isEqualTo(2);
    }

    @Test
    void systemAndCompartmentSearch() throws Exception {
        JsonNode system = get("?_type=Patient,Encounter&_count=2");
        assertThat(system.get("total").asInt()).isEqualTo(3);
        assertThat(ids(system)).containsExactly("sc-e1", "sc-p1");
        assertThat(ids(getUrl(links(system).get("next")))).containsExactly("sc-p2");
        assertThat(ids(get("?_id=sc-p2,sc-o1"))).containsExactlyInAnyOrder("sc-p2", "sc-o1");
        assertThat(ids(get("?_type=Observation&_text=cough"))).containsExactly("sc-o3");
        // POST [base]/_search and POST [type]/_search with a form body
        assertThat(ids(post("_search", "_type=Patient&gender=female"))).containsExactly("sc-p2");
        assertThat(ids(post("Observation/_search", "patient=sc-p2&code=cat"))).containsExactly("sc-o3");
        // compartment search
        assertThat(matches("Patient/sc-p1/Observation")).containsExactlyInAnyOrder("sc-o1", "sc-o2");
        assertThat(matches("Patient/sc-p1/Observation?code=puppy")).containsExactly("sc-o2");
        assertThat(ids(get("Patient/sc-p1/*"))).containsExactlyInAnyOrder("sc-p1", "sc-o1", "sc-o2", "sc-e1");
        assertThat(ids(get("Patient/sc-p1/*?_type=Encounter"))).containsExactly("sc-e1");
        // HEAD: the GET's status and headers, no body
        HttpResponse<String> head = http.send(authorized(URI.create(base() + "Observation?patient=sc-p1"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("Content-Type").orElse("")).contains("fhir+json");
    }

    // --- HTTP helpers

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private String base() {
        return "http://127.0.0.1:" + httpPort + "/fhir/";
    }

    private void put(String body) throws Exception {
        JsonNode tree = JSON.readTree(body);
        String path = tree.get("resourceType").asText() + "/" + tree.get("id").asText();
        HttpRequest req = authorized(URI.create(base() + path)).header("Content-Type", "application/fhir+json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + " " + r.body()).isIn(200, 201);
    }

    private HttpResponse<String> send(String path, String prefer) throws Exception {
        HttpRequest.Builder b = authorized(URI.create(base() + path.replace("|", "%7C").replace(" ", "%20").replace("*", "%2A")))
                .header("Accept", "application/fhir+json");
        if (prefer != null) b.header("Prefer", prefer);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = send(path, null);
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private JsonNode post(String path, String form) throws Exception {
        HttpResponse<String> r = http.send(authorized(URI.create(base() + path)).header("Accept", "application/fhir+json")
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private JsonNode getUrl(String url) throws Exception {
        assertThat(url).isNotNull();
        HttpResponse<String> r = http.send(authorized(URI.create(url)).header("Accept", "application/fhir+json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + " " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private List<String> matches(String path) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode e : get(path).path("entry")) if (e.at("/search/mode").asText().equals("match")) out.add(e.at("/resource/id").asText());
        return out;
    }

    private static List<String> ids(JsonNode bundle) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : bundle.path("entry")) out.add(e.at("/resource/id").asText());
        return out;
    }

    private static Map<String, String> links(JsonNode bundle) {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode l : bundle.path("link")) out.put(l.get("relation").asText(), l.get("url").asText());
        return out;
    }
}
