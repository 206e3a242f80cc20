package org.caregraph.nlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /nlp} over real HTTP, with the lexicon the application builds from the graph's Concept nodes: concepts
 * imported here (a Condition's and a MedicationRequest's codes) are found in text once imported, and bad input is a
 * 400 with an error code.
 */
class NlpEndpointTest extends GraphTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> post(String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = authorized(URI.create("http://127.0.0.1:" + httpPort + "/nlp"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) b.header("Content-Type", contentType);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String contentType, String body) throws Exception {
        return post(contentType, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** A Bundle with one patient, a Condition and a MedicationRequest coded with names no other test uses. */
    private Path bundle(String suffix) throws Exception {
        String p = "nlp-p-" + suffix;
        String json = """
                {"resourceType":"Bundle","type":"transaction","entry":[
                 {"fullUrl":"urn:uuid:%1$s","resource":{"resourceType":"Patient","id":"%1$s"},"request":{"method":"PUT","url":"Patient/%1$s"}},
                 {"resource":{"resourceType":"Condition","id":"%1$s-c","subject":{"reference":"urn:uuid:%1$s"},
                   "code":{"coding":[{"system":"http://snomed.info/sct","code":"%2$s1","display":"Zebra%2$s fever (disorder)"}]}},
                  "request":{"method":"PUT","url":"Condition/%1$s-c"}},
                 {"resource":{"resourceType":"MedicationRequest","id":"%1$s-m","status":"active","intent":"order",
                   "subject":{"reference":"urn:uuid:%1$s"},
                   "medicationCodeableConcept":{"coding":[{"system":"http://www.nlm.nih.gov/research/umls/rxnorm","code":"%2$s2","display":"zebramycin%2$s 250 MG Oral Tablet"}]}},
                  "request":{"method":"PUT","url":"MedicationRequest/%1$s-m"}}]}
                """.formatted(p, suffix);
        Path dir = Files.createTempDirectory("nlp-bundle");
        Files.writeString(dir.resolve("bundle.json"), json);
        return dir;
    }

    /** Puts a note about the bundle's patient with {@code text} before every other entry, so it is mapped first. */
    private static void addNoteFirst(Path dir, String suffix, String text) throws Exception {
        String note = """
                {"fullUrl":"urn:uuid:nlp-d-%1$s","resource":{"resourceType":"DocumentReference","id":"nlp-d-%1$s","status":"current",
                  "subject":{"reference":"urn:uuid:nlp-p-%1$s"},
                  "content":[{"attachment":{"contentType":"text/plain","data":"%2$s"}}]},
                 "request":{"method":"PUT","url":"DocumentReference/nlp-d-%1$s"}},
                """.formatted(suffix, java.util.Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        Path file = dir.resolve("bundle.json");
        Files.writeString(file, Files.readString(file).replace("\"entry\":[", "\"entry\":[" + note));
        assertThat(Files.readString(file)).contains("DocumentReference");
    }

    /**
     * The real pipeline on the import path: the note comes first in its bundle, so when it is mapped the graph does not
     * know its Condition's concept yet; the import ends by analyzing such notes again, and the mention is there.
     */
    @Test
    void aNoteImportedBeforeItsConceptsIsAnalyzedWithThemWhenTheImportEnds() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8).replace("-", "");
        Path dir = bundle(suffix);
        String text = "Assessment: zebra" + suffix + " fever. Family history of zebramycin" + suffix + " allergy.";
        addNoteFirst(dir, suffix, text);
        assertThat(importPaths(dir).failed()).isZero();

        var mentions = query("""
                MATCH (:DocumentReference {id: $id})-[m:MENTIONS]->(k:Concept)
                RETURN k.key AS concept, m.negated AS negated ORDER BY m.begin""", "id", "nlp-d-" + suffix);
        assertThat(mentions).extracting(r -> r.get("concept").asString())
                .contains("http://snomed.info/sct|" + suffix + "1");
        assertThat(mentions.getFirst().get("negated").asBoolean()).isFalse();
        // the affirmed condition is derived as a Condition linked back to the note
        assertThat(single("""
                MATCH (c:Condition {nlpNote: $key})-[:CODED]->(k:Concept {key: $concept}) RETURN count(c) AS n""",
                "key", "DocumentReference/nlp-d-" + suffix, "concept", "http://snomed.info/sct|" + suffix + "1").get("n")).isEqualTo(1L);
        // the re-analysis at the end of the import rewrote the note in place, and the same data again changes nothing
        assertThat(single("MATCH (d:DocumentReference {id: $id}) RETURN d.versionId AS v", "id", "nlp-d-" + suffix).get("v")).isEqualTo(1L);
        assertThat(importPaths(dir).written()).isZero();
    }

    /**
     * The same on the FHIR write paths, where no import ends with a re-run: a transaction whose note comes before the
     * Condition it names, and a note PUT right after a Condition with a new concept (within the lexicon-check interval).
     * Both answer with the note already analyzed with those concepts.
     */
    @Test
    void notesWrittenOverFhirAreAnalyzedWithTheConceptsOfTheirOwnWrite() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8).replace("-", "");
        String text = "Assessment: zebra" + suffix + " fever.";
        String note = """
                {"fullUrl":"urn:uuid:nlp-d-%1$s","resource":{"resourceType":"DocumentReference","id":"nlp-d-%1$s","status":"current",
                  "subject":{"reference":"urn:uuid:nlp-p-%1$s"},
                  "content":[{"attachment":{"contentType":"text/plain","data":"%2$s"}}]},
                 "request":{"method":"PUT","url":"DocumentReference/nlp-d-%1$s"}},
                """.formatted(suffix, java.util.Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        String bundle = Files.readString(bundle(suffix).resolve("bundle.json")).replace("\"entry\":[", "\"entry\":[" + note);
        HttpResponse<String> r = http.send(authorized(URI.create("http://127.0.0.1:" + httpPort + "/fhir"))
                .header("Content-Type", "application/fhir+json").POST(HttpRequest.BodyPublishers.ofString(bundle)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String concept = "http://snomed.info/sct|" + suffix + "1";
        assertThat(single("""
                MATCH (:DocumentReference {id: $id})-[m:MENTIONS]->(k:Concept {key: $concept})
                RETURN count(m) AS n""", "id", "nlp-d-" + suffix, "concept", concept).get("n")).isEqualTo(1L);
        assertThat(single("MATCH (c:Condition {nlpNote: $key})-[:CODED]->(:Concept {key: $concept}) RETURN count(c) AS n",
                "key", "DocumentReference/nlp-d-" + suffix, "concept", concept).get("n")).isEqualTo(1L);
        assertThat(single("MATCH (d:DocumentReference {id: $id}) RETURN d.versionId AS v", "id", "nlp-d-" + suffix).get("v")).isEqualTo(1L);

        // a single PUT of a Condition with a new concept, then at once a note naming it
        String later = suffix + "x";
        put("Condition/nlp-c-" + later, """
                {"resourceType":"Condition","id":"nlp-c-%1$s","subject":{"reference":"Patient/nlp-p-%2$s"},
                 "code":{"coding":[{"system":"http://snomed.info/sct","code":"%1$s","display":"Quagga%1$s syndrome (disorder)"}]}}"""
                .formatted(later, suffix));
        String text2 = "Assessment: quagga" + later + " syndrome.";
        put("DocumentReference/nlp-d-" + later, """
                {"resourceType":"DocumentReference","id":"nlp-d-%1$s","status":"current","subject":{"reference":"Patient/nlp-p-%2$s"},
                 "content":[{"attachment":{"contentType":"text/plain","data":"%3$s"}}]}"""
                .formatted(later, suffix, java.util.Base64.getEncoder().encodeToString(text2.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        assertThat(single("""
                MATCH (:DocumentReference {id: $id})-[m:MENTIONS]->(k:Concept {key: $concept})
                RETURN count(m) AS n""", "id", "nlp-d-" + later, "concept", "http://snomed.info/sct|" + later).get("n")).isEqualTo(1L);
    }

    private void put(String path, String body) throws Exception {
        HttpResponse<String> r = http.send(authorized(URI.create("http://127.0.0.1:" + httpPort + "/fhir/" + path))
                .header("Content-Type", "application/fhir+json").PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
    }

    @Test
    void conceptsOfTheGraphAreFoundInText() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8).replace("-", "");
        importPaths(bundle(suffix));
        String text = "No zebra" + suffix + " fever today. Mother had Zebra" + suffix + " fever.\n"
                + "Start zebramycin" + suffix + " 250 mg oral tablet twice daily. HTN is controlled.";
        // the lexicon is rebuilt at most every caregraph.nlp.lexicon-check (10 s) after a write
        JsonNode body = null;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = post("text/plain; charset=UTF-8", text);
            assertThat(r.statusCode()).isEqualTo(200);
            body = JSON.readTree(r.body());
            if (body.get("entities").size() >= 3) break;
            Thread.sleep(500);
        }
        assertThat(body.get("version").asText()).isNotBlank();
        JsonNode e = body.get("entities");
        assertThat(e.size()).isEqualTo(4);

        JsonNode negated = e.get(0);
        assertThat(negated.get("text").asText()).isEqualTo("zebra" + suffix + " fever");
        assertThat(negated.get("begin").asInt()).isEqualTo(3);
        assertThat(negated.get("category").asText()).isEqualTo("MEDICAL_CONDITION");
        assertThat(negated.get("type").asText()).isEqualTo("DX_NAME");
        assertThat(negated.get("negated").asBoolean()).isTrue();
        assertThat(negated.at("/concepts/0/key").asText()).isEqualTo("http://snomed.info/sct|" + suffix + "1");
        assertThat(negated.get("score").asDouble()).isEqualTo(1.0);

        JsonNode family = e.get(1);
        assertThat(family.get("negated").asBoolean()).isFalse();
        assertThat(family.get("experiencer").asText()).isEqualTo("FAMILY");

        JsonNode drug = e.get(2);
        assertThat(drug.get("text").asText()).isEqualTo("zebramycin" + suffix + " 250 mg oral tablet");
        assertThat(drug.get("type").asText()).isEqualTo("GENERIC_NAME");
        assertThat(drug.at("/concepts/0/key").asText()).isEqualTo("http://www.nlm.nih.gov/research/umls/rxnorm|" + suffix + "2");
        assertThat(drug.get("attributes").findValuesAsText("type"))
                .containsExactly("STRENGTH", "ROUTE_OR_MODE", "FORM", "FREQUENCY");

        JsonNode htn = e.get(3); // the curated abbreviation; no hypertension concept need be loaded
        assertThat(htn.get("text").asText()).isEqualTo("HTN");
        assertThat(htn.get("category").asText()).isEqualTo("MEDICAL_CONDITION");

        // the same text as JSON gives the same answer
        HttpResponse<String> asJson = post("application/json", JSON.writeValueAsString(java.util.Map.of("text", text)));
        assertThat(asJson.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(asJson.body())).isEqualTo(body);
    }

    /**
     * Traits end to end: the chief complaint's condition is a SYMPTOM and the drug after "allergic to" an ALLERGEN, in
     * the graph, in the note's extension and over /nlp; neither is derived, while the same condition in the assessment
     * is a DIAGNOSIS and derives the one Condition.
     */
    @Test
    void symptomsAndAllergensAreKeptAsMentionsButNotDerived() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8).replace("-", "");
        Path dir = bundle(suffix);
        String text = "# Chief Complaint\nZebra" + suffix + " fever.\n\n# Assessment and Plan\nZebra" + suffix
                + " fever. Allergic to zebramycin" + suffix + " 250 mg oral tablet.";
        addNoteFirst(dir, suffix, text);
        assertThat(importPaths(dir).failed()).isZero();
        String key = "DocumentReference/nlp-d-" + suffix;
        assertThat(query("""
                MATCH (:Resource {key: $key})-[m:MENTIONS]->(k:Concept)
                RETURN m.section + ' ' + m.category + ' ' + m.trait AS line ORDER BY m.begin""", "key", key))
                .extracting(r -> r.get("line").asString())
                .containsExactly("chief_complaint MEDICAL_CONDITION SYMPTOM", "observation_and_plan MEDICAL_CONDITION DIAGNOSIS",
                        "observation_and_plan MEDICATION ALLERGEN");
        // derived: the diagnosis only
        assertThat(single("""
                MATCH (x:Resource {nlpNote: $key}) WHERE x.deleted IS NULL RETURN collect(x.resourceType) AS types""",
                "key", key).get("types")).isEqualTo(List.of("Condition"));

        // the note's extension carries each entity's trait
        String json = (String) single("MATCH (d:Resource {key: $key}) RETURN d.json AS json", "key", key).get("json");
        List<String> traits = new java.util.ArrayList<>();
        for (JsonNode entity : JSON.readTree(json).at("/extension/0/extension")) {
            for (JsonNode part : entity.path("extension")) {
                if (part.path("url").asText().equals("trait")) traits.add(part.get("valueCode").asText());
            }
        }
        assertThat(traits).containsExactly("SYMPTOM", "DIAGNOSIS", "ALLERGEN");

        // and /nlp answers the same traits (the lexicon is rebuilt at most every 10 s after a write)
        JsonNode entities = null;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            entities = JSON.readTree(post("text/plain", text).body()).get("entities");
            if (entities.size() >= 3) break;
            Thread.sleep(500);
        }
        assertThat(entities.findValuesAsText("trait")).containsExactly("SYMPTOM", "DIAGNOSIS", "ALLERGEN");
    }

    @Test
    void badInputIs400WithACode() throws Exception {
        assertError(post("text/plain", "   \n "), "EMPTY_TEXT");
        assertError(post("application/json", "{\"text\": \"\"}"), "EMPTY_TEXT");
        assertError(post("application/json", "{\"text\": "), "BAD_JSON");
        assertError(post("application/json", "[\"text\"]"), "BAD_JSON");
        assertError(post("application/json", "{\"text\": \"HTN\", \"extra\": 1}"), "BAD_JSON");
        assertError(post("application/json", "{\"text\": 42}"), "BAD_JSON");
        assertError(post("application/xml", "<text>HTN</text>"), "UNSUPPORTED_CONTENT_TYPE");
        // a Content-Type Spring MVC cannot parse is refused before any controller: its own 415, never a 500
        assertThat(post("text", "HTN").statusCode()).isEqualTo(415);
        assertThat(post("text/plain; charset=x-no-such", "HTN").statusCode()).isEqualTo(415);
        // over caregraph.nlp.max-bytes (2 MiB): refused without being analyzed; just under it is analyzed
        byte[] big = "HTN. ".repeat((2 << 20) / 5 + 1).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertError(post("text/plain", big), "TEXT_TOO_LONG");
        HttpResponse<String> under = post("text/plain", "HTN. ".repeat(10_000));
        assertThat(under.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(under.body()).get("entities").size()).isEqualTo(10_000);
    }

    private static void assertError(HttpResponse<String> r, String code) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(JSON.readTree(r.body()).get("code").asText()).isEqualTo(code);
    }
}
