package org.caregraph.nlp;

import org.caregraph.security.AccessContext;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;

/**
 * Notes analyzed on import and on FHIR writes, with a keyword analyzer standing in for the pipeline: mentions in the
 * graph, the analysis extension and derived resources over /fhir, convergence on re-import, updates and deletes that
 * the derived resources follow, a failing analyzer that costs only its note, and {@code nlp rerun}.
 */
@Import(NoteNlpTest.TestConfig.class)
class NoteNlpTest extends GraphTest {
    private static final AccessContext SERVICE = AccessContext.service("test");

    static final ObjectMapper JSON = new ObjectMapper();
    static final String D1_TEXT = "Assessment: hypertension. No chest pain. Started lisinopril. A1c 7.2 %. Family history of cough.";

    /** The deterministic analyzer takes the real pipeline's place here: these tests are about the wiring, not NLP quality. */
    @TestConfiguration
    static class TestConfig {
        @Bean
        @Primary
        KeywordAnalyzer keywordAnalyzer() {
            return new KeywordAnalyzer();
        }
    }

    @Autowired KeywordAnalyzer analyzer;
    @Autowired NoteRerun rerun;
    @Autowired NoteEnricher enricher;
    @TempDir Path dir;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void clean() {
        clearGraph();
        analyzer.version("kw-1");
    }

    // ---- the notes ----

    static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static ObjectNode attachment(String contentType, String text) {
        ObjectNode a = JSON.createObjectNode().put("contentType", contentType);
        return text == null ? a : a.put("data", b64(text));
    }

    static ObjectNode document(String id, ObjectNode attachment) {
        ObjectNode d = JSON.createObjectNode().put("resourceType", "DocumentReference").put("id", id).put("status", "current");
        d.putObject("subject").put("reference", "Patient/nlp-p");
        d.put("date", "2024-03-01T10:00:00Z");
        d.putArray("content").addObject().set("attachment", attachment);
        d.putObject("context").putArray("encounter").addObject().put("reference", "Encounter/nlp-e");
        return d;
    }

    static ObjectNode report(String id, String text) {
        ObjectNode r = JSON.createObjectNode().put("resourceType", "DiagnosticReport").put("id", id).put("status", "final");
        r.putObject("code").put("text", "History and physical note");
        r.putObject("subject").put("reference", "Patient/nlp-p");
        r.putObject("encounter").put("reference", "Encounter/nlp-e");
        r.put("effectiveDateTime", "2024-03-01T10:00:00Z");
        r.putArray("presentedForm").add(attachment("text/plain; charset=utf-8", text));
        return r;
    }

    static ObjectNode binary(String id, String text) {
        return JSON.createObjectNode().put("resourceType", "Binary").put("id", id).put("contentType", "text/plain")
                .put("data", b64(text));
    }

    static List<ObjectNode> base() {
        ObjectNode p = JSON.createObjectNode().put("resourceType", "Patient").put("id", "nlp-p");
        ObjectNode e = JSON.createObjectNode().put("resourceType", "Encounter").put("id", "nlp-e").put("status", "finished");
        e.putObject("class").put("system", "http://terminology.hl7.org/CodeSystem/v3-ActCode").put("code", "AMB");
        e.putObject("subject").put("reference", "Patient/nlp-p");
        return List.of(p, e);
    }

    Path ndjson(String name, List<ObjectNode> resources) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (ObjectNode r : resources) sb.append(JSON.writeValueAsString(r)).append('\n');
        return Files.writeString(dir.resolve(name + ".ndjson"), sb.toString());
    }

    List<JsonNode> importAll(String name, List<ObjectNode> resources) throws Exception {
        Path errors = dir.resolve(name + "-errors.ndjson");
        importReporting(errors, ndjson(name, resources));
        List<JsonNode> lines = new ArrayList<>();
        if (Files.exists(errors)) for (String l : Files.readAllLines(errors)) lines.add(JSON.readTree(l));
        return lines;
    }

    HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = authorized(URI.create("http://127.0.0.1:" + httpPort + "/fhir/" + path))
                .header("Accept", "application/fhir+json");
        if (body != null) b.header("Content-Type", "application/fhir+json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode get(String path) throws Exception {
        HttpResponse<String> r = send("GET", path, null);
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** Mentions of a note as "text begin-end concept negated experiencer category source", in text order. */
    List<String> mentions(String key) {
        return query("""
                MATCH (:Resource {key: $key})-[m:MENTIONS]->(k:Concept)
                RETURN m.text + ' ' + m.begin + '-' + m.end + ' ' + k.key + ' ' + m.negated + ' ' + m.experiencer + ' '
                       + m.category + ' ' + m.certainty + ' ' + m.temporality + ' ' + m.source AS line
                ORDER BY m.begin""", "key", key).stream().map(r -> r.get("line").asString()).toList();
    }

    /** Current resources derived from a note: "Type code" sorted. */
    List<String> derived(String noteKey) {
        return query("""
                MATCH (x:Resource {nlpNote: $key})-[c:CODED]->(k:Concept)
                WHERE x.deleted IS NULL AND c.path IN [x.resourceType + '.code', 'MedicationStatement.medication']
                RETURN x.resourceType + ' ' + k.key AS d ORDER BY d""", "key", noteKey)
                .stream().map(r -> r.get("d").asString()).toList();
    }

    String derivedKey(String noteKey, String type) {
        return single("MATCH (x:Resource:$($t) {nlpNote: $key}) WHERE x.deleted IS NULL RETURN x.key AS k", "t", type, "key", noteKey)
                .get("k").toString();
    }

    static String at(String text, String phrase, int from) {
        int b = text.indexOf(phrase, from);
        return b + "-" + (b + phrase.length());
    }

    // ---- tests ----

    @Test
    void importAnalyzesPlainHtmlBinaryAndReportNotesAndReportsTheOnesItCannot() throws Exception {
        importAll("binary", List.of(binary("nlp-b1", "lisinopril only")));
        String html = "<html><head><title>hypertension</title></head><body><p>Known <b>hypertension</b> &amp; chest pain."
                + "</p><p>No cough</p></body></html>";
        List<ObjectNode> notes = new ArrayList<>(base());
        notes.add(document("d1", attachment("text/plain", D1_TEXT)));
        notes.add(document("d2", attachment("text/html", html)));
        notes.add(document("d3", attachment("text/plain", null).put("url", "Binary/nlp-b1")));
        notes.add(report("r1", "chest pain reported"));
        notes.add(document("d4", attachment("application/pdf", "hypertension")));
        notes.add(document("d5", attachment("text/plain", "BOOM hypertension")));
        notes.add(document("d6", attachment("text/plain", null).put("url", "Binary/nlp-b2")));
        long skippedBefore = enricher.stats().skippedAttachments();
        List<JsonNode> errors = importAll("notes", notes);

        String snomed = KeywordAnalyzer.SNOMED + "|";
        String src = "DocumentReference.content[0].attachment";
        assertThat(mentions("DocumentReference/d1")).containsExactly(
                "hypertension " + at(D1_TEXT, "hypertension", 0) + " " + snomed + "38341003 false patient MEDICAL_CONDITION certain current " + src,
                "chest pain " + at(D1_TEXT, "chest pain", 0) + " " + snomed + "29857009 true patient MEDICAL_CONDITION certain current " + src,
                "lisinopril " + at(D1_TEXT, "lisinopril", 0) + " " + KeywordAnalyzer.RXNORM + "|29046 false patient MEDICATION certain current " + src,
                "A1c " + at(D1_TEXT, "A1c", 0) + " " + KeywordAnalyzer.LOINC + "|4548-4 false patient TEST_TREATMENT_PROCEDURE certain current " + src,
                "cough " + at(D1_TEXT, "cough", 0) + " " + NlpFhir.TEXT_SYSTEM + "|MEDICAL_CONDITION:cough false family MEDICAL_CONDITION certain current " + src);
        // the markup is gone: offsets are into the text a reader sees (the head's title is not part of it)
        String seen = "Known hypertension & chest pain.\nNo cough";
        assertThat(mentions("DocumentReference/d2")).containsExactly(
                "hypertension " + at(seen, "hypertension", 0) + " " + snomed + "38341003 false patient MEDICAL_CONDITION certain current " + src,
                "chest pain " + at(seen, "chest pain", 0) + " " + snomed + "29857009 false patient MEDICAL_CONDITION certain current " + src,
                "cough " + at(seen, "cough", 0) + " " + NlpFhir.TEXT_SYSTEM + "|MEDICAL_CONDITION:cough true patient MEDICAL_CONDITION certain current " + src);
        assertThat(mentions("DocumentReference/d3")).containsExactly(
                "lisinopril 0-10 " + KeywordAnalyzer.RXNORM + "|29046 false patient MEDICATION certain current " + src);
        assertThat(mentions("DiagnosticReport/r1")).containsExactly(
                "chest pain 0-10 " + snomed + "29857009 false patient MEDICAL_CONDITION certain current DiagnosticReport.presentedForm[0]");
        assertThat(mentions("DocumentReference/d4")).isEmpty();
        assertThat(mentions("DocumentReference/d5")).isEmpty();
        assertThat(mentions("DocumentReference/d6")).isEmpty();
        assertThat(enricher.stats().skippedAttachments() - skippedBefore).isEqualTo(1);

        // analyzed notes carry the version; the ones that could not be analyzed do not (rerun finds them)
        assertThat(query("MATCH (n:Resource) WHERE n.key IN $keys RETURN n.key AS k, n.nlpVersion AS v ORDER BY k",
                "keys", List.of("DiagnosticReport/r1", "DocumentReference/d1", "DocumentReference/d4", "DocumentReference/d5", "DocumentReference/d6"))
                .stream().map(r -> r.get("k").asString() + "=" + r.get("v").asString(null)).toList())
                .containsExactly("DiagnosticReport/r1=kw-1", "DocumentReference/d1=kw-1", "DocumentReference/d4=kw-1",
                        "DocumentReference/d5=null", "DocumentReference/d6=null");
        // one report line each, naming the note and why; the notes themselves are stored
        assertThat(errors).hasSize(2);
        assertThat(errors.get(0).get("id").asText()).isEqualTo("d5");
        assertThat(errors.get(0).at("/outcome/issue/0/diagnostics").asText())
                .isEqualTo("stored without NLP mentions: NLP failed: java.lang.IllegalStateException: analyzer exploded");
        assertThat(errors.get(1).get("id").asText()).isEqualTo("d6");
        assertThat(errors.get(1).at("/outcome/issue/0/diagnostics").asText()).isEqualTo(
                "stored without NLP mentions: NLP could not read the note: " + src + ".url: Binary/nlp-b2 is not stored");
        assertThat(get("DocumentReference/d5").has("extension")).isFalse();

        // derived: affirmed, linked, the patient's — not the negated chest pain nor the family's unlinked cough
        assertThat(derived("DocumentReference/d1")).containsExactly("Condition " + snomed + "38341003",
                "MedicationStatement " + KeywordAnalyzer.RXNORM + "|29046", "Observation " + KeywordAnalyzer.LOINC + "|4548-4");
        assertThat(derived("DocumentReference/d2")).containsExactly("Condition " + snomed + "29857009", "Condition " + snomed + "38341003");
        assertThat(derived("DiagnosticReport/r1")).containsExactly("Condition " + snomed + "29857009");

        JsonNode condition = get(derivedKey("DocumentReference/d1", "Condition"));
        assertThat(condition.at("/meta/tag/0/system").asText()).isEqualTo(NlpFhir.TAG_SYSTEM);
        assertThat(condition.at("/meta/tag/0/code").asText()).isEqualTo("system-generated");
        assertThat(condition.at("/evidence/0/detail/0/reference").asText()).isEqualTo("DocumentReference/d1");
        assertThat(condition.at("/subject/reference").asText()).isEqualTo("Patient/nlp-p");
        assertThat(condition.at("/encounter/reference").asText()).isEqualTo("Encounter/nlp-e");
        assertThat(condition.at("/verificationStatus/coding/0/code").asText()).isEqualTo("confirmed");
        assertThat(condition.at("/code/coding/0/code").asText()).isEqualTo("38341003");
        JsonNode observation = get(derivedKey("DocumentReference/d1", "Observation"));
        assertThat(observation.at("/valueQuantity/value").decimalValue()).isEqualByComparingTo("7.2");
        assertThat(observation.at("/valueQuantity/unit").asText()).isEqualTo("%");
        assertThat(observation.at("/derivedFrom/0/reference").asText()).isEqualTo("DocumentReference/d1");
        JsonNode medication = get(derivedKey("DocumentReference/d1", "MedicationStatement"));
        assertThat(medication.at("/derivedFrom/0/reference").asText()).isEqualTo("DocumentReference/d1");
        assertThat(medication.at("/context/reference").asText()).isEqualTo("Encounter/nlp-e");
        assertThat(medication.at("/status").asText()).isEqualTo("active");
        // derived resources are resources like any other: coded, linked to their patient and note in the graph
        assertThat(single("""
                MATCH (c:Condition {key: $k})-[:SUBJECT]->(:Patient {id: 'nlp-p'}), (c)-[:DETAIL]->(:DocumentReference {id: 'd1'}),
                      (c)-[:CODED {path: 'Condition.code'}]->(:Concept {code: '38341003'}) RETURN count(*) AS n""",
                "k", derivedKey("DocumentReference/d1", "Condition")).get("n")).isEqualTo(1L);

        // the note over /fhir carries the analysis: one extension, one entity per mention, with concept and offsets
        JsonNode d1 = get("DocumentReference/d1");
        assertThat(d1.get("extension")).hasSize(1);
        JsonNode analysis = d1.get("extension").get(0);
        assertThat(analysis.get("url").asText()).isEqualTo(NlpFhir.ANALYSIS);
        assertThat(sub(analysis, "source").get(0).get("valueString").asText()).isEqualTo(src);
        assertThat(sub(analysis, "version")).as("the analyzer version is the node's, not the content's").isEmpty();
        List<JsonNode> entities = sub(analysis, "entity");
        assertThat(entities).hasSize(5);
        JsonNode first = entities.get(0);
        assertThat(sub(first, "text").get(0).get("valueString").asText()).isEqualTo("hypertension");
        assertThat(sub(first, "begin").get(0).get("valueInteger").asInt()).isEqualTo(D1_TEXT.indexOf("hypertension"));
        assertThat(sub(first, "negated").get(0).get("valueBoolean").asBoolean()).isFalse();
        assertThat(sub(sub(first, "concept").get(0), "coding").get(0).at("/valueCoding/code").asText()).isEqualTo("38341003");
        assertThat(sub(entities.get(1), "negated").get(0).get("valueBoolean").asBoolean()).isTrue();
        assertThat(sub(entities.get(3), "attribute")).hasSize(2);
        assertThat(sub(entities.get(4), "concept")).isEmpty();
    }

    static List<JsonNode> sub(JsonNode ext, String url) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : ext.path("extension")) if (e.path("url").asText().equals(url)) out.add(e);
        return out;
    }

    @Test
    void reimportChangesNothingAndAnUpdateOrDeleteCarriesTheDerivedResourcesAlong() throws Exception {
        List<ObjectNode> notes = new ArrayList<>(base());
        notes.add(document("d1", attachment("text/plain", D1_TEXT)));
        importAll("notes", notes);
        String conditionKey = derivedKey("DocumentReference/d1", "Condition");
        String medicationKey = derivedKey("DocumentReference/d1", "MedicationStatement");
        String observationKey = derivedKey("DocumentReference/d1", "Observation");
        Map<String, Object> before = single("""
                MATCH (d:Resource {key: 'DocumentReference/d1'})
                RETURN d.versionId AS v, d.lastUpdated AS t, d.hash AS h, COUNT { (d)-[:MENTIONS]->() } AS m,
                       COUNT { MATCH (x:Resource {nlpNote: d.key}) WHERE x.versionId = 1 } AS derived""");
        assertThat(before.get("v")).isEqualTo(1L);
        assertThat(before.get("m")).isEqualTo(5L);
        assertThat(before.get("derived")).isEqualTo(3L);

        importAll("again", notes);
        assertThat(single("""
                MATCH (d:Resource {key: 'DocumentReference/d1'})
                RETURN d.versionId AS v, d.lastUpdated AS t, d.hash AS h, COUNT { (d)-[:MENTIONS]->() } AS m,
                       COUNT { MATCH (x:Resource {nlpNote: d.key}) WHERE x.versionId = 1 } AS derived""")).isEqualTo(before);

        // an update over FHIR, sent with a stale analysis extension as a client would read it back: the extension is
        // recomputed, the mentions and derived resources follow the new text
        ObjectNode changed = document("d1", attachment("text/plain", "No hypertension. Started lisinopril. Chest pain today."));
        changed.set("extension", get("DocumentReference/d1").get("extension"));
        HttpResponse<String> put = send("PUT", "DocumentReference/d1", JSON.writeValueAsString(changed));
        assertThat(put.statusCode()).isEqualTo(200);
        String snomed = KeywordAnalyzer.SNOMED + "|";
        assertThat(mentions("DocumentReference/d1")).extracting(m -> m.replaceAll("^(.*?) (\\d+-\\d+) .*$", "$1 $2"))
                .containsExactly("hypertension 3-15", "lisinopril 25-35", "Chest pain 37-47");
        assertThat(derived("DocumentReference/d1")).containsExactly("Condition " + snomed + "29857009",
                "MedicationStatement " + KeywordAnalyzer.RXNORM + "|29046");
        assertThat(send("GET", conditionKey, null).statusCode()).isEqualTo(410);
        assertThat(send("GET", observationKey, null).statusCode()).isEqualTo(410);
        assertThat(get(medicationKey).at("/meta/versionId").asText()).isEqualTo("1");
        JsonNode d1 = get("DocumentReference/d1");
        assertThat(d1.at("/meta/versionId").asText()).isEqualTo("2");
        assertThat(d1.get("extension")).hasSize(1);
        assertThat(sub(d1.get("extension").get(0), "entity")).hasSize(3);

        // deleting the note deletes what was derived from it
        assertThat(send("DELETE", "DocumentReference/d1", null).statusCode()).isEqualTo(200);
        assertThat(send("GET", medicationKey, null).statusCode()).isEqualTo(410);
        assertThat(derived("DocumentReference/d1")).isEmpty();
        assertThat(mentions("DocumentReference/d1")).isEmpty();
    }

    @Test
    void rerunAnalyzesNotesOfAnotherVersionAndRetriesTheFailedOnes() throws Exception {
        List<ObjectNode> notes = new ArrayList<>(base());
        notes.add(document("d1", attachment("text/plain", D1_TEXT)));
        notes.add(document("d5", attachment("text/plain", "BOOM hypertension")));
        notes.add(document("d6", attachment("text/plain", null).put("url", "Binary/nlp-b2")));
        importAll("notes", notes);
        String medicationKey = derivedKey("DocumentReference/d1", "MedicationStatement");

        // same version: only the two failed notes are tried again, and still fail
        assertThat(rerun.run(SERVICE, false, 2, p -> { })).isEqualTo(new NoteRerun.Progress(2, 0, 2));

        // a new analyzer version that finds the same: the note is not rewritten, only marked as analyzed by it
        analyzer.version("kw-2");
        List<NoteRerun.Progress> pages = new ArrayList<>();
        assertThat(rerun.run(SERVICE, false, 2, pages::add)).isEqualTo(new NoteRerun.Progress(3, 0, 2));
        assertThat(pages).hasSize(2);
        JsonNode d1 = get("DocumentReference/d1");
        assertThat(d1.at("/meta/versionId").asText()).isEqualTo("1");
        assertThat(single("MATCH (d:DocumentReference {id: 'd1'}) RETURN d.nlpVersion AS v").get("v")).isEqualTo("kw-2");
        assertThat(rerun.run(SERVICE, false, 2, p -> { })).as("d1 is up to date now").isEqualTo(new NoteRerun.Progress(2, 0, 2));
        assertThat(mentions("DocumentReference/d1")).hasSize(5);
        // the derived resources are the same resources, unchanged
        assertThat(get(medicationKey).at("/meta/versionId").asText()).isEqualTo("1");

        // the missing Binary arrives: the import ends by analyzing the notes still waiting, so its note has mentions
        importAll("binary", List.of(binary("nlp-b2", "hypertension")));
        assertThat(mentions("DocumentReference/d6")).hasSize(1);
        assertThat(rerun.run(SERVICE, false, 10, p -> { })).as("only the failing note is left").isEqualTo(new NoteRerun.Progress(1, 0, 1));
        // --all reads every note; nothing changed, nothing is rewritten
        assertThat(rerun.run(SERVICE, true, 10, p -> { })).isEqualTo(new NoteRerun.Progress(3, 0, 1));
    }
}
