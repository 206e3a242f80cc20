package org.caregraph.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Patient/[id]/$everything over real HTTP on a hand-built pair of patients: exactly the patient, its compartment and
 * what that references, never the other patient's resources, nothing deleted or a placeholder; _type, _since and
 * keyset paging.
 */
class EverythingTest extends GraphTest {
    private FhirHttp http;
    /** fresh ids per test: other test classes share the database */
    private final String s = UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void setUp() {
        http = new FhirHttp(httpPort, systemToken());
        put("Patient", "a", "");
        put("Patient", "b", "");
        put("Practitioner", "doc", "");
        put("Organization", "org", "");
        put("Location", "ward", "");
        put("Location", "bward", "");
        put("Encounter", "ea", ",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},\"subject\":" + ref("Patient", "a")
                + ",\"participant\":[{\"individual\":" + ref("Practitioner", "doc") + "}],\"serviceProvider\":" + ref("Organization", "org")
                + ",\"location\":[{\"location\":" + ref("Location", "ward") + "}]");
        put("Encounter", "eb", ",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},\"subject\":" + ref("Patient", "b")
                + ",\"serviceProvider\":" + ref("Organization", "org") + ",\"location\":[{\"location\":" + ref("Location", "bward") + "}]");
        put("Observation", "ob", observation("b", "eb", ""));
        // a's observation points at b's observation (hasMember) and at b (focus): neither may leak into a's $everything,
        // and at a practitioner never loaded (a placeholder, not a resource)
        put("Observation", "oa1", observation("a", "ea", ",\"performer\":[" + ref("Practitioner", "doc") + "," + ref("Practitioner", "ghost")
                + "],\"hasMember\":[" + ref("Observation", "ob") + "],\"focus\":[" + ref("Patient", "b") + "]"));
        put("Observation", "oa2", observation("a", "ea", ""));
        put("Condition", "ca", ",\"subject\":" + ref("Patient", "a"));
        put("Condition", "gone", ",\"subject\":" + ref("Patient", "a"));
        assertThat(http.call("DELETE", "/fhir/Condition/" + id("gone"), null).statusCode()).isEqualTo(200);
        put("Immunization", "ib", ",\"status\":\"completed\",\"vaccineCode\":{\"text\":\"flu\"},\"patient\":" + ref("Patient", "b")
                + ",\"occurrenceDateTime\":\"2020-01-01\"");
    }

    private String id(String name) {
        return name + "-" + s;
    }

    private String ref(String type, String name) {
        return "{\"reference\":\"" + type + "/" + id(name) + "\"}";
    }

    private String observation(String patient, String encounter, String more) {
        return ",\"status\":\"final\",\"code\":{\"text\":\"x\"},\"subject\":" + ref("Patient", patient) + ",\"encounter\":"
                + ref("Encounter", encounter) + more;
    }

    private void put(String type, String name, String fields) {
        http.put("{\"resourceType\":\"" + type + "\",\"id\":\"" + id(name) + "\"" + fields + "}");
    }

    /** "Type/id mode" of every entry, with the bundle's links checked along the way. */
    private static List<String> entries(JsonNode bundle) {
        assertThat(bundle.get("resourceType").asText()).isEqualTo("Bundle");
        assertThat(bundle.get("type").asText()).isEqualTo("searchset");
        List<String> out = new ArrayList<>();
        bundle.path("entry").forEach(e -> {
            JsonNode r = e.get("resource");
            assertThat(e.get("fullUrl").asText()).endsWith("/fhir/" + r.get("resourceType").asText() + "/" + r.get("id").asText());
            assertThat(r.at("/meta/versionId").asText()).isNotEmpty();
            out.add(r.get("resourceType").asText() + "/" + r.get("id").asText() + " " + e.at("/search/mode").asText());
        });
        return out;
    }

    private JsonNode everything(String query) {
        HttpResponse<String> r = http.get("/fhir/Patient/" + id("a") + "/$everything" + query);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return FhirHttp.json(r.body());
    }

    private List<String> expected(String... typeNameModes) {
        List<String> out = new ArrayList<>();
        for (String t : typeNameModes) {
            String[] p = t.split(" ");
            out.add(p[0] + "-" + s + " " + p[1]);
        }
        return out;
    }

    @Test
    void exactlyThePatientItsCompartmentAndWhatItReferences() {
        JsonNode bundle = everything("");
        assertThat(entries(bundle)).containsExactlyInAnyOrderElementsOf(expected(
                "Patient/a match", "Encounter/ea match", "Observation/oa1 match", "Observation/oa2 match", "Condition/ca match",
                "Practitioner/doc include", "Organization/org include", "Location/ward include"));
        assertThat(bundle.get("total").asInt()).isEqualTo(8);
        for (String other : List.of("b", "ob", "eb", "bward", "ib", "gone", "ghost")) {
            assertThat(bundle.toString()).doesNotContain("\"id\":\"" + id(other) + "\"");
        }
        // and b's own view holds b's, not a's
        HttpResponse<String> b = http.get("/fhir/Patient/" + id("b") + "/$everything");
        assertThat(entries(FhirHttp.json(b.body()))).containsExactlyInAnyOrderElementsOf(expected(
                "Patient/b match", "Encounter/eb match", "Observation/ob match", "Immunization/ib match",
                "Organization/org include", "Location/bward include"));
    }

    @Test
    void typeAndSinceFilter() {
        assertThat(entries(everything("?_type=Observation,Practitioner"))).containsExactlyInAnyOrderElementsOf(expected(
                "Observation/oa1 match", "Observation/oa2 match", "Practitioner/doc include"));
        // a later change: only it is new since its own lastUpdated
        String changed = FhirHttp.json(http.call("PUT", "/fhir/Observation/" + id("oa2"), "{\"resourceType\":\"Observation\",\"id\":\""
                + id("oa2") + "\"" + observation("a", "ea", ",\"valueString\":\"changed\"") + "}").body()).at("/meta/lastUpdated").asText();
        assertThat(entries(everything("?_since=" + java.net.URLEncoder.encode(changed, java.nio.charset.StandardCharsets.UTF_8))))
                .containsExactlyElementsOf(expected("Observation/oa2 match"));

        assertThat(http.get("/fhir/Patient/" + id("a") + "/$everything?_type=Nonsense").statusCode()).isEqualTo(400);
        HttpResponse<String> badSince = http.get("/fhir/Patient/" + id("a") + "/$everything?_since=yesterday");
        assertThat(badSince.statusCode()).isEqualTo(400);
        assertThat(FhirHttp.json(badSince.body()).get("resourceType").asText()).isEqualTo("OperationOutcome");
    }

    @Test
    void pagesByKeysetWithNextLinks() {
        Map<String, Integer> seen = new LinkedHashMap<>();
        JsonNode page = everything("?_count=3");
        int pages = 0;
        while (true) {
            pages++;
            assertThat(page.get("entry").size()).isLessThanOrEqualTo(3);
            assertThat(page.get("total").asInt()).isEqualTo(8);
            for (String e : entries(page)) seen.merge(e, 1, Integer::sum);
            String next = null;
            for (JsonNode link : page.path("link")) if (link.get("relation").asText().equals("next")) next = link.get("url").asText();
            if (next == null) break;
            HttpResponse<String> r = http.get(next);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            page = FhirHttp.json(r.body());
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen.values()).allMatch(n -> n == 1);
        assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(entries(everything("")));
    }

    @Test
    void unknownOrDeletedPatientIsNotFound() {
        HttpResponse<String> r = http.get("/fhir/Patient/nobody-" + s + "/$everything");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(FhirHttp.json(r.body()).get("resourceType").asText()).isEqualTo("OperationOutcome");
        // the practitioner that is only a placeholder is no patient either
        assertThat(http.get("/fhir/Patient/" + id("ghost") + "/$everything").statusCode()).isEqualTo(404);
        put("Patient", "gonep", "");
        http.call("DELETE", "/fhir/Patient/" + id("gonep"), null);
        assertThat(http.get("/fhir/Patient/" + id("gonep") + "/$everything").statusCode()).isEqualTo(404);
    }
}
