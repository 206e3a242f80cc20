package org.caregraph.terminology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.caregraph.GraphTest;
import org.caregraph.ingest.ErrorReport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Each format's synthetic sample (src/test/resources/terminology: made-up codes in the real file layouts, with a bad
 * line, inactive and suppressed rows) loaded through the real path into the graph: exact Concept nodes and IS_A
 * edges, bad lines reported with file and line, a second load changing nothing.
 */
class TerminologyLoadTest extends GraphTest {
    static final Path SAMPLES = Path.of("src/test/resources/terminology");
    static final String SCT = "http://snomed.info/sct|";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired TerminologyLoader loader;
    @TempDir Path dir;

    @BeforeEach
    void empty() {
        clearGraph();
    }

    private TerminologyLoader.Result load(Terminology t, Path path, long bytesPerPass) throws IOException {
        try (ErrorReport errors = new ErrorReport(dir.resolve(t + "-errors.ndjson"))) {
            return loader.load(t, path, bytesPerPass, errors, p -> { });
        }
    }

    private TerminologyLoad result(Terminology t, String sample) throws IOException {
        return new TerminologyLoad(load(t, SAMPLES.resolve(sample), TerminologyLoader.DEFAULT_BYTES_PER_PASS), errors(t));
    }

    private record TerminologyLoad(TerminologyLoader.Result result, List<String> errors) {
    }

    /** The error report as "file-name:line: diagnostics". */
    private List<String> errors(Terminology t) throws IOException {
        Path report = dir.resolve(t + "-errors.ndjson");
        if (!Files.exists(report)) return List.of();
        return Files.readAllLines(report).stream().map(l -> {
            try {
                JsonNode n = JSON.readTree(l);
                return Path.of(n.get("file").asText()).getFileName() + ":" + n.get("line").asLong() + ": "
                        + n.at("/outcome/issue/0/diagnostics").asText();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    /** Every Concept of a system: key → its loaded properties (absent ones as null). */
    private Map<String, List<Object>> concepts(String system) {
        Map<String, List<Object>> out = new HashMap<>();
        for (var r : query("MATCH (k:Concept {system: $s}) RETURN k.key AS key, k.code AS code, k.display AS display, "
                + "k.synonyms AS synonyms, k.active AS active, k.semanticTag AS tag, k.termType AS tty", "s", system)) {
            out.put(r.get("key").asString(), java.util.Arrays.asList(r.get("code").asString(), r.get("display").asString(),
                    r.get("synonyms").isNull() ? List.of() : r.get("synonyms").asList(), r.get("active").asObject(),
                    r.get("tag").asObject(), r.get("tty").asObject()));
        }
        return out;
    }

    private List<String> edges(String system) {
        return query("MATCH (c:Concept {system: $s})-[:IS_A]->(p:Concept) RETURN c.code + ' -> ' + p.code AS e ORDER BY e", "s", system)
                .stream().map(r -> r.get("e").asString()).toList();
    }

    private static List<Object> concept(String code, String display, List<String> synonyms, boolean active, String tag, String tty) {
        return java.util.Arrays.asList(code, display, synonyms, active, tag, tty);
    }

    @Test
    void snomedRf2FolderGivesPreferredTermsSynonymsSemanticTagsAndIsAAndMergesWithTheDataConcept() throws IOException {
        // a Condition imported from FHIR data first: its coding made Concept 9100001 with the data's display
        Path data = dir.resolve("data.json");
        Files.writeString(data, """
                {"resourceType": "Bundle", "type": "collection", "entry": [
                  {"resource": {"resourceType": "Patient", "id": "term-p1"}},
                  {"resource": {"resourceType": "Condition", "id": "term-c1", "subject": {"reference": "Patient/term-p1"},
                   "code": {"coding": [{"system": "http://snomed.info/sct", "code": "9100001", "display": "Zorbitis of the knee"}]}}}]}
                """);
        assertThat(importPaths(data).failed()).isZero();

        TerminologyLoad first = result(Terminology.SNOMED, "snomed");

        assertThat(concepts("http://snomed.info/sct")).isEqualTo(Map.of(
                SCT + "9100001", concept("9100001", "Zorbic disorder", List.of("Zorbitis", "Zorbitis of the knee"), true, "disorder", null),
                SCT + "9100002", concept("9100002", "Chronic zorbic disorder", List.of("Chronic zorbick disorder", "Chronic zorbitis"), true, "disorder", null),
                SCT + "9100003", concept("9100003", "Zorbic finding", List.of(), true, "finding", null),
                SCT + "9100004", concept("9100004", "Retired zorbic concept", List.of(), false, "disorder", null)));
        assertThat(edges("http://snomed.info/sct")).containsExactly("9100001 -> 9100003", "9100002 -> 9100001");
        // the data's link to the concept is untouched
        assertThat(single("MATCH (:Condition {key: 'Condition/term-c1'})-[r:CODED]->(k:Concept) RETURN k.key AS key, r.path AS path"))
                .isEqualTo(Map.of("key", SCT + "9100001", "path", "Condition.code"));
        TerminologyLoader.Result r = first.result();
        assertThat(List.of(r.rows(), r.created(), r.updated(), r.unchanged())).containsExactly(4L, 3L, 1L, 0L);
        assertThat(List.of(r.edges(), r.edgesCreated(), r.edgesExisting(), r.edgesMissing())).containsExactly(3L, 2L, 0L, 1L);
        assertThat(first.errors()).containsExactly(
                "sct2_Description_Snapshot-en_INT_20250101.txt:11: expected 9 tab-separated fields, found 8",
                "sct2_Relationship_Snapshot_INT_20250101.txt:7: column 6 is not an SCTID: not-an-id");
        assertThat(r.badLines()).isEqualTo(2);

        // again, grouping the descriptions in many small passes: the same concepts, nothing changes, bad lines once
        TerminologyLoader.Result again = load(Terminology.SNOMED, SAMPLES.resolve("snomed"), 300);
        assertThat(List.of(again.rows(), again.created(), again.updated(), again.unchanged())).containsExactly(4L, 0L, 0L, 4L);
        assertThat(List.of(again.edgesCreated(), again.edgesExisting(), again.edgesMissing())).containsExactly(0L, 2L, 1L);
        assertThat(again.badLines()).isEqualTo(2);
        assertThat(single("MATCH (k:Concept {key: $k}) RETURN k.synonyms AS s", "k", SCT + "9100001").get("s"))
                .isEqualTo(List.of("Zorbitis", "Zorbitis of the knee"));

        // data imported after the terminology with yet another wording: the preferred term stays, the wording is kept
        Path later = dir.resolve("later.json");
        Files.writeString(later, Files.readString(data).replace("term-c1", "term-c2")
                .replace("Zorbitis of the knee", "Knee zorbitis"));
        assertThat(importPaths(later).failed()).isZero();
        assertThat(single("MATCH (k:Concept {key: $k}) RETURN k.display AS d, k.synonyms AS s", "k", SCT + "9100001"))
                .isEqualTo(Map.of("d", "Zorbic disorder", "s", List.of("Zorbitis", "Zorbitis of the knee", "Knee zorbitis")));
    }

    @Test
    void snomedDescriptionFileAloneFallsBackToTheFsnWithoutItsTag() throws IOException {
        Path descriptions = SAMPLES.resolve("snomed/Snapshot/Terminology/sct2_Description_Snapshot-en_INT_20250101.txt");
        TerminologyLoader.Result r = load(Terminology.SNOMED, descriptions, TerminologyLoader.DEFAULT_BYTES_PER_PASS);
        assertThat(r.rows()).isEqualTo(4);
        assertThat(r.edges()).isZero();
        // no language refset: no preferred synonym is known, every other term is a synonym; no concept file: all active
        assertThat(concepts("http://snomed.info/sct").get(SCT + "9100002")).isEqualTo(concept("9100002", "Chronic zorbic disorder",
                List.of("Chronic zorbick disorder", "Chronic zorbitis"), true, "disorder", null));
        assertThat(concepts("http://snomed.info/sct").get(SCT + "9100004").get(3)).isEqualTo(true);
    }

    @Test
    void rxnormTakesTheNormalizedNameAsDisplayAndSkipsSuppressedAndOtherSources() throws IOException {
        TerminologyLoad load = result(Terminology.RXNORM, "rxnorm/RXNCONSO.RRF");
        String rx = "http://www.nlm.nih.gov/research/umls/rxnorm|";
        assertThat(concepts("http://www.nlm.nih.gov/research/umls/rxnorm")).isEqualTo(Map.of(
                rx + "990001", concept("990001", "zorbamycin", List.of(), true, null, "IN"),
                rx + "990002", concept("990002", "zorbamycin 10 MG Oral Tablet",
                        List.of("zorbamycin 10mg tablet", "ZORBAmycin 10 MG Oral Tablet"), true, null, "SCD"),
                rx + "990003", concept("990003", "Zorbex", List.of(), true, null, "BN")));
        assertThat(load.errors()).containsExactly("RXNCONSO.RRF:8: expected 18 '|'-terminated fields, found 14");
        assertThat(List.of(load.result().created(), load.result().edges())).containsExactly(3L, 0L);

        // the same file from its folder, in one pass per RXCUI-slice of 100 bytes: unchanged
        TerminologyLoader.Result again = load(Terminology.RXNORM, SAMPLES.resolve("rxnorm"), 100);
        assertThat(List.of(again.rows(), again.created(), again.updated(), again.unchanged(), again.badLines()))
                .containsExactly(3L, 0L, 0L, 3L, 1L);
    }

    @Test
    void icd10cmOrderFileGivesDottedCodesAndTheHierarchyOfTheCodeStructure() throws IOException {
        TerminologyLoad load = result(Terminology.ICD10CM, "icd10cm");
        String icd = "http://hl7.org/fhir/sid/icd-10-cm|";
        assertThat(concepts("http://hl7.org/fhir/sid/icd-10-cm")).isEqualTo(Map.of(
                icd + "U99", concept("U99", "Zorbic disease", List.of(), true, null, null),
                icd + "U99.0", concept("U99.0", "Zorbic disease, acute form", List.of("Zorbic disease, acute"), true, null, null),
                icd + "U99.01", concept("U99.01", "Acute zorbic disease with complication", List.of("Acute zorbic dis w comp"), true, null, null),
                icd + "U99.09", concept("U99.09", "Acute zorbic disease without complication", List.of("Acute zorbic dis w/o comp"), true, null, null),
                icd + "V98", concept("V98", "Zorbic injury", List.of(), true, null, null),
                icd + "V98.0X1A", concept("V98.0X1A", "Zorbic injury, accidental, initial encounter",
                        List.of("Zorbic injury, accidental, init"), true, null, null)));
        // V98.0X1A's prefixes V98.0X1, V98.0X, V98.0 are not in the file: its parent is the category
        assertThat(edges("http://hl7.org/fhir/sid/icd-10-cm")).containsExactly(
                "U99.0 -> U99", "U99.01 -> U99.0", "U99.09 -> U99.0", "V98.0X1A -> V98");
        assertThat(load.errors()).containsExactly(
                "icd10cm_order_2025.txt:7: line shorter than the fixed-width fields (9 characters)",
                "icd10cm_order_2025.txt:8: header flag is not 0 or 1: 2");

        TerminologyLoader.Result again = load(Terminology.ICD10CM, SAMPLES.resolve("icd10cm/icd10cm_order_2025.txt"), 1);
        assertThat(List.of(again.created(), again.updated(), again.unchanged(), again.edgesCreated(), again.edgesExisting()))
                .containsExactly(0L, 0L, 6L, 0L, 4L);
    }

    @Test
    void loincTableAndMultiAxialHierarchy() throws IOException {
        TerminologyLoad load = result(Terminology.LOINC, "loinc");
        String ln = "http://loinc.org|";
        assertThat(concepts("http://loinc.org")).isEqualTo(Map.of(
                ln + "99901-1", concept("99901-1", "Zorbin [Mass/volume] in Serum or Plasma",
                        List.of("Zorbin SerPl-mCnc", "Zorbin (Bld) [Mass/Vol]", "Zorbin, blood"), true, null, null),
                ln + "99902-9", concept("99902-9", "Zorbin [Moles/volume] in Serum or Plasma", List.of("Zorbin SerPl-sCnc"), false, null, null),
                ln + "LP99990-0", concept("LP99990-0", "Zorbic tests", List.of(), true, null, "part"),
                ln + "LP99991-8", concept("LP99991-8", "Zorbin", List.of(), true, null, "part")));
        assertThat(edges("http://loinc.org")).containsExactly("99901-1 -> LP99991-8", "99902-9 -> LP99991-8", "LP99991-8 -> LP99990-0");
        assertThat(List.of(load.result().edgesCreated(), load.result().edgesMissing())).containsExactly(3L, 1L);
        assertThat(load.errors()).containsExactly(
                "Loinc.csv:4: expected 40 fields, found 3",
                "MultiAxialHierarchy.csv:7: CODE is empty");

        TerminologyLoader.Result again = load(Terminology.LOINC, SAMPLES.resolve("loinc"), 1);
        assertThat(List.of(again.created(), again.updated(), again.unchanged(), again.edgesCreated())).containsExactly(0L, 0L, 4L, 0L);
    }

    @Test
    void aPathWithoutTheFormatsFileIsRefusedAndNothingIsWritten() {
        assertThatThrownBy(() -> load(Terminology.SNOMED, SAMPLES.resolve("rxnorm"), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sct2_Description_Snapshot-en");
        assertThat(single("MATCH (k:Concept) RETURN count(k) AS n").get("n")).isEqualTo(0L);
    }
}
