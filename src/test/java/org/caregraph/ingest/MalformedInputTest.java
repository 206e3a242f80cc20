package org.caregraph.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad record is reported with file, line, id and an OperationOutcome reason; the good ones are all imported. */
class MalformedInputTest extends GraphTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path dir;

    @BeforeEach
    void clear() {
        clearGraph();
    }

    private List<JsonNode> report(Path errors) throws IOException {
        if (!Files.exists(errors)) return List.of();
        return Files.readAllLines(errors).stream().map(l -> {
            try {
                return JSON.readTree(l);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).toList();
    }

    @Test
    void badNdjsonLinesAreReportedAndTheGoodOnesImported() throws IOException {
        Path f = dir.resolve("mixed.ndjson");
        Files.writeString(f, String.join("\n",
                "{\"resourceType\":\"Patient\",\"id\":\"good1\"}",                                   // 1
                "{\"resourceType\":\"Patient\",\"id\":\"broken\",",                                  // 2 invalid JSON
                "{\"resourceType\":\"Spaceship\",\"id\":\"x\"}",                                     // 3 unknown type
                "{\"resourceType\":\"Patient\",\"id\":\"badtype\",\"birthDate\":{\"year\":1990}}",   // 4 wrong element type
                "{\"resourceType\":\"Patient\",\"gender\":\"male\"}",                                // 5 missing id
                "",                                                                                  // 6 blank: ignored
                "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
                        + "\"subject\":{\"reference\":\"urn:uuid:0d6f4e3c-6a52-4a8f-9a5e-2b8e5f1d2c3b\"}}", // 7 dangling urn
                "[1,2,3]",                                                                           // 8 not an object
                "{\"resourceType\":\"Patient\",\"id\":\"baddate\",\"birthDate\":\"yesterday\"}",     // 9 invalid primitive
                "{\"resourceType\":\"Patient\",\"id\":\"good2\",\"active\":true}"));                 // 10
        Path errors = dir.resolve("errors.ndjson");
        ImportProgress p = importReporting(errors, f);

        assertThat(p.imported()).isEqualTo(2);
        assertThat(p.failed()).isEqualTo(7);
        assertThat(stats.read().resources()).isEqualTo(Map.of("Patient", 2L));

        Map<Long, JsonNode> byLine = new TreeMap<>();
        for (JsonNode e : report(errors)) byLine.put(e.get("line").asLong(), e);
        assertThat(byLine.keySet()).containsExactly(2L, 3L, 4L, 5L, 7L, 8L, 9L);
        byLine.values().forEach(e -> {
            assertThat(e.get("file").asText()).isEqualTo("mixed.ndjson");
            assertThat(e.at("/outcome/resourceType").asText()).isEqualTo("OperationOutcome");
            assertThat(e.at("/outcome/issue/0/severity").asText()).isEqualTo("error");
            assertThat(e.at("/outcome/issue/0/diagnostics").asText()).isNotBlank();
        });
        assertThat(code(byLine, 2)).isEqualTo("structure");
        assertThat(code(byLine, 3)).isEqualTo("not-supported");
        assertThat(byLine.get(3L).at("/outcome/issue/0/diagnostics").asText()).contains("Spaceship");
        assertThat(code(byLine, 4)).isEqualTo("structure");
        assertThat(byLine.get(4L).get("id").asText()).isEqualTo("badtype");
        assertThat(byLine.get(4L).at("/outcome/issue/0/diagnostics").asText()).contains("year");
        assertThat(code(byLine, 5)).isEqualTo("required");
        assertThat(code(byLine, 7)).isEqualTo("not-found");
        assertThat(byLine.get(7L).at("/outcome/issue/0/expression/0").asText()).isEqualTo("Observation.subject.reference");
        assertThat(code(byLine, 9)).isEqualTo("structure");
        assertThat(byLine.get(9L).at("/outcome/issue/0/diagnostics").asText()).as(byLine.toString()).contains("yesterday").contains("birthDate");
    }

    @Test
    void validateOnlyReportsTheSameErrorsAndStoresNothing() throws IOException {
        Path f = dir.resolve("check.ndjson");
        Files.writeString(f, "{\"resourceType\":\"Patient\",\"id\":\"ok\"}\n{\"resourceType\":\"Patient\",\"id\":\"bad\",\"active\":\"yes\"}\n");
        Path errors = dir.resolve("check-errors.ndjson");
        try (ErrorReport report = new ErrorReport(errors)) {
            ImportProgress p = importer.run(ImportInput.expand(f, "check.ndjson"), report, x -> { }, true);
            assertThat(p.failed()).isEqualTo(1);
            assertThat(p.written()).isZero();
        }
        assertThat(report(errors)).singleElement().satisfies(e -> assertThat(e.get("id").asText()).isEqualTo("bad"));
        assertThat(stats.read().resources()).isEmpty();
    }

    private static String code(Map<Long, JsonNode> byLine, long line) {
        return byLine.get(line).at("/outcome/issue/0/code").asText();
    }

    @Test
    void aBundleEntryWithADanglingUrnIsRejectedAloneWithItsLine() throws IOException {
        Path f = dir.resolve("bundle.json");
        Files.writeString(f, """
                {
                  "resourceType": "Bundle",
                  "type": "transaction",
                  "entry": [
                    {"fullUrl": "urn:uuid:11111111-1111-1111-1111-111111111111",
                     "resource": {"resourceType": "Patient", "id": "b1"},
                     "request": {"method": "POST", "url": "Patient"}},
                    {"fullUrl": "urn:uuid:22222222-2222-2222-2222-222222222222",
                     "resource": {"resourceType": "Encounter", "id": "be1", "status": "finished", "class": {"code": "AMB"},
                                  "subject": {"reference": "urn:uuid:11111111-1111-1111-1111-111111111111"}},
                     "request": {"method": "POST", "url": "Encounter"}},
                    {"fullUrl": "urn:uuid:33333333-3333-3333-3333-333333333333",
                     "resource": {"resourceType": "Encounter", "id": "be2", "status": "finished", "class": {"code": "AMB"},
                                  "subject": {"reference": "urn:uuid:99999999-9999-9999-9999-999999999999"}},
                     "request": {"method": "POST", "url": "Encounter"}}
                  ]
                }
                """);
        Path errors = dir.resolve("errors.ndjson");
        ImportProgress p = importReporting(errors, f);
        assertThat(p.imported()).isEqualTo(2);
        List<JsonNode> report = report(errors);
        assertThat(report).hasSize(1);
        assertThat(report.getFirst().get("line").asLong()).isEqualTo(12);
        assertThat(report.getFirst().get("id").asText()).isEqualTo("be2");
        assertThat(single("MATCH (:Encounter {id:'be1'})-[:SUBJECT]->(p:Patient) RETURN p.key AS k").get("k")).isEqualTo("Patient/b1");
    }

    @Test
    void aFileThatIsNotJsonCostsOnlyItselfAndGzipAndDirectoriesAreRead() throws IOException {
        Path nested = Files.createDirectories(dir.resolve("a/b"));
        Files.writeString(dir.resolve("a/broken.json"), "{ \"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": [ {");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(nested.resolve("Patient.ndjson.gz")))) {
            out.write(("{\"resourceType\":\"Patient\",\"id\":\"gz1\"}\n{\"resourceType\":\"Patient\",\"id\":\"gz2\"}\n").getBytes());
        }
        Files.writeString(nested.resolve("notes.txt"), "not FHIR, skipped");
        Path errors = dir.resolve("errors.ndjson");
        ImportProgress p = importReporting(errors, dir.resolve("a"));
        assertThat(p.imported()).isEqualTo(2);
        assertThat(p.failed()).isEqualTo(1);
        assertThat(report(errors).getFirst().get("file").asText()).isEqualTo("a/broken.json");
    }
}
