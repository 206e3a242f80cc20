package org.caregraph.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * FHIR operations through real HTTP: $validate (base spec and a stored profile), $meta, $meta-add, $meta-delete,
 * Observation/$lastn, the terminology operations on a stored CodeSystem and ValueSet, Patient/$everything of a patient
 * with nothing else, Encounter/$everything.
 */
class OperationsTest extends GraphTest {
    private FhirHttp http;

    @BeforeEach
    void client() {
        http = new FhirHttp(httpPort, systemToken());
    }

    @Test
    void validate() {
        HttpResponse<String> good = http.call("POST", "/fhir/Patient/$validate", "{\"resourceType\":\"Patient\",\"gender\":\"male\"}");
        assertThat(good.statusCode()).as(good.body()).isEqualTo(200);
        assertThat(errors(good.body())).isEmpty();
        // parsed, but not valid: Observation.status and .code are required
        HttpResponse<String> bad = http.call("POST", "/fhir/Observation/$validate", "{\"resourceType\":\"Observation\"}");
        assertThat(bad.statusCode()).isEqualTo(200);
        assertThat(errors(bad.body())).anyMatch(m -> m.contains("status")).anyMatch(m -> m.contains("code"));
        // not even parsed: 400 with an OperationOutcome
        HttpResponse<String> unparsed = http.call("POST", "/fhir/Patient/$validate", "{\"resourceType\":\"Patient\",\"gender\":\"blue\"}");
        assertThat(unparsed.statusCode()).isEqualTo(400);
        assertThat(unparsed.body()).contains("OperationOutcome");
        // a profile stored on the server: Patient.birthDate required
        http.put("""
                {"resourceType":"StructureDefinition","id":"op-profile","url":"http://example.org/StructureDefinition/needs-birthdate",
                 "name":"NeedsBirthDate","status":"active","kind":"resource","abstract":false,"type":"Patient",
                 "baseDefinition":"http://hl7.org/fhir/StructureDefinition/Patient","derivation":"constraint",
                 "differential":{"element":[{"id":"Patient.birthDate","path":"Patient.birthDate","min":1}]}}""");
        String withProfile = """
                {"resourceType":"Parameters","parameter":[{"name":"resource","resource":{"resourceType":"Patient","gender":"male"}},
                 {"name":"profile","valueUri":"http://example.org/StructureDefinition/needs-birthdate"}]}""";
        HttpResponse<String> profiled = http.call("POST", "/fhir/Patient/$validate", withProfile);
        assertThat(profiled.statusCode()).as(profiled.body()).isEqualTo(200);
        assertThat(errors(profiled.body())).anyMatch(m -> m.contains("birthDate"));
        http.put("{\"resourceType\":\"Patient\",\"id\":\"op-val\",\"gender\":\"female\"}");
        assertThat(errors(http.get("/fhir/Patient/op-val/$validate").body())).isEmpty();
    }

    private static List<String> errors(String outcome) {
        List<String> out = new ArrayList<>();
        for (JsonNode issue : FhirHttp.json(outcome).path("issue")) {
            if (List.of("error", "fatal").contains(issue.path("severity").asText())) out.add(issue.path("diagnostics").asText() + issue.path("expression"));
        }
        return out;
    }

    @Test
    void meta() {
        http.put("{\"resourceType\":\"Patient\",\"id\":\"op-meta\",\"meta\":{\"tag\":[{\"system\":\"http://t\",\"code\":\"a\"}]}}");
        JsonNode meta = FhirHttp.json(http.get("/fhir/Patient/op-meta/$meta").body());
        assertThat(meta.toString()).contains("\"code\":\"a\"");
        String add = """
                {"resourceType":"Parameters","parameter":[{"name":"meta","valueMeta":{"tag":[{"system":"http://t","code":"b"}],
                 "profile":["http://example.org/p"]}}]}""";
        HttpResponse<String> added = http.call("POST", "/fhir/Patient/op-meta/$meta-add", add);
        assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
        assertThat(added.body()).contains("\"code\":\"a\"", "\"code\":\"b\"", "http://example.org/p");
        String delete = """
                {"resourceType":"Parameters","parameter":[{"name":"meta","valueMeta":{"tag":[{"system":"http://t","code":"a"}]}}]}""";
        HttpResponse<String> deleted = http.call("POST", "/fhir/Patient/op-meta/$meta-delete", delete);
        assertThat(deleted.body()).contains("\"code\":\"b\"").doesNotContain("\"code\":\"a\"");
        JsonNode stored = FhirHttp.json(http.get("/fhir/Patient/op-meta").body());
        assertThat(stored.at("/meta/tag").size()).isEqualTo(1);
        assertThat(FhirHttp.json(http.get("/fhir/Patient?_tag=http://t|b&_id=op-meta".replace("|", "%7C")).body()).get("total").asInt()).isEqualTo(1);
    }

    @Test
    void lastn() {
        http.put("{\"resourceType\":\"Patient\",\"id\":\"op-ln\"}");
        String[][] obs = {{"op-ln1", "8867-4", "2020-01-01"}, {"op-ln2", "8867-4", "2021-01-01"}, {"op-ln3", "8867-4", "2022-01-01"},
                {"op-ln4", "8310-5", "2019-01-01"}};
        for (String[] o : obs) {
            http.put("{\"resourceType\":\"Observation\",\"id\":\"" + o[0] + "\",\"status\":\"final\",\"category\":[{\"coding\":[{"
                    + "\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}],"
                    + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"" + o[1] + "\"}]},"
                    + "\"subject\":{\"reference\":\"Patient/op-ln\"},\"effectiveDateTime\":\"" + o[2] + "\"}");
        }
        assertThat(ids(http.get("/fhir/Observation/$lastn?patient=op-ln&category=vital-signs"))).containsExactlyInAnyOrder("op-ln3", "op-ln4");
        assertThat(ids(http.get("/fhir/Observation/$lastn?patient=op-ln&max=2"))).containsExactlyInAnyOrder("op-ln3", "op-ln2", "op-ln4");
        assertThat(ids(http.get("/fhir/Observation/$lastn?patient=op-ln&code=8310-5&max=3"))).containsExactly("op-ln4");
        assertThat(http.get("/fhir/Observation/$lastn?patient=op-ln&max=zero").statusCode()).isEqualTo(400);
    }

    private static List<String> ids(HttpResponse<String> bundle) {
        assertThat(bundle.statusCode()).as(bundle.body()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        for (JsonNode e : FhirHttp.json(bundle.body()).path("entry")) out.add(e.at("/resource/id").asText());
        return out;
    }

    @Test
    void terminology() {
        http.put("""
                {"resourceType":"CodeSystem","id":"op-cs","url":"http://example.org/op-cs","status":"active","content":"complete",
                 "concept":[{"code":"a","display":"Alpha","concept":[{"code":"a1","display":"Alpha one"}]},{"code":"b","display":"Beta"}]}""");
        http.put("""
                {"resourceType":"ValueSet","id":"op-vs","url":"http://example.org/op-vs","status":"active",
                 "compose":{"include":[{"system":"http://example.org/op-cs","filter":[{"property":"concept","op":"is-a","value":"a"}]}]}}""");
        JsonNode expansion = FhirHttp.json(http.get("/fhir/ValueSet/$expand?url=http://example.org/op-vs").body());
        assertThat(expansion.at("/expansion/total").asInt()).isEqualTo(2);
        assertThat(expansion.at("/expansion/contains").toString()).contains("\"a1\"", "Alpha one").doesNotContain("\"b\"");
        assertThat(FhirHttp.json(http.get("/fhir/ValueSet/op-vs/$expand?filter=one").body()).at("/expansion/total").asInt()).isEqualTo(1);
        assertThat(result(http.get("/fhir/ValueSet/$validate-code?url=http://example.org/op-vs&system=http://example.org/op-cs&code=a1"))).isTrue();
        assertThat(result(http.get("/fhir/ValueSet/op-vs/$validate-code?system=http://example.org/op-cs&code=b"))).isFalse();
        assertThat(result(http.get("/fhir/CodeSystem/$validate-code?url=http://example.org/op-cs&code=b"))).isTrue();
        assertThat(result(http.get("/fhir/CodeSystem/$validate-code?url=http://example.org/op-cs&code=zz"))).isFalse();
        assertThat(outcome(http.get("/fhir/CodeSystem/$subsumes?system=http://example.org/op-cs&codeA=a&codeB=a1"))).isEqualTo("subsumes");
        assertThat(outcome(http.get("/fhir/CodeSystem/$subsumes?system=http://example.org/op-cs&codeA=a1&codeB=a"))).isEqualTo("subsumed-by");
        assertThat(outcome(http.get("/fhir/CodeSystem/$subsumes?system=http://example.org/op-cs&codeA=a&codeB=b"))).isEqualTo("not-subsumed");
        assertThat(http.get("/fhir/CodeSystem/$lookup?system=http://example.org/op-cs&code=b").body()).contains("Beta");
        assertThat(http.get("/fhir/ValueSet/$expand?url=http://example.org/none").statusCode()).isEqualTo(404);
    }

    private static boolean result(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        for (JsonNode p : FhirHttp.json(r.body()).path("parameter")) if (p.get("name").asText().equals("result")) return p.get("valueBoolean").asBoolean();
        throw new AssertionError("no result in " + r.body());
    }

    private static String outcome(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return FhirHttp.json(r.body()).at("/parameter/0/valueCode").asText();
    }

    @Test
    void everything() {
        http.put("{\"resourceType\":\"Patient\",\"id\":\"op-alone\"}");
        HttpResponse<String> alone = http.get("/fhir/Patient/op-alone/$everything");
        assertThat(ids(alone)).containsExactly("op-alone");
        http.put("{\"resourceType\":\"Patient\",\"id\":\"op-ev\"}");
        http.put("{\"resourceType\":\"Practitioner\",\"id\":\"op-dr\"}");
        http.put("{\"resourceType\":\"Encounter\",\"id\":\"op-enc\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},"
                + "\"subject\":{\"reference\":\"Patient/op-ev\"},\"participant\":[{\"individual\":{\"reference\":\"Practitioner/op-dr\"}}]}");
        http.put("{\"resourceType\":\"Observation\",\"id\":\"op-enc-o\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
                + "\"subject\":{\"reference\":\"Patient/op-ev\"},\"encounter\":{\"reference\":\"Encounter/op-enc\"}}");
        http.put("{\"resourceType\":\"Observation\",\"id\":\"op-other-o\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
                + "\"subject\":{\"reference\":\"Patient/op-ev\"},\"effectiveDateTime\":\"2020-06-01\"}");
        // start and end: care dates (resources without one stay)
        assertThat(ids(http.get("/fhir/Patient/op-ev/$everything?start=2021-01-01"))).contains("op-ev", "op-enc-o").doesNotContain("op-other-o");
        assertThat(ids(http.get("/fhir/Patient/op-ev/$everything?start=2020-01-01&end=2020-12-31"))).contains("op-ev", "op-other-o");
        assertThat(ids(http.get("/fhir/Encounter/op-enc/$everything"))).containsExactlyInAnyOrder("op-enc", "op-enc-o", "op-ev", "op-dr");
        assertThat(http.get("/fhir/Encounter/op-none/$everything").statusCode()).isEqualTo(404);
    }
}
