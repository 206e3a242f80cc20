package org.caregraph.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Placeholders, conditional references, load order and versions, on small hand-made inputs. */
// the FHIR → graph model as received: NLP, on by default, adds its analysis and derived resources (tested on its own)
@org.springframework.test.context.TestPropertySource(properties = "caregraph.nlp.enabled=false")
class GraphModelTest extends GraphTest {
    @TempDir Path dir;

    @BeforeEach
    void clear() {
        clearGraph();
    }

    private Path ndjson(String name, String... lines) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    @Test
    void aReferenceToAResourceNotLoadedYetIsAPlaceholderThatTheResourceFills() throws IOException {
        importPaths(ndjson("enc.ndjson",
                "{\"resourceType\":\"Encounter\",\"id\":\"e1\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},"
                        + "\"subject\":{\"reference\":\"Patient/p1\"}}"));
        Map<String, Object> ph = single("MATCH (:Encounter {key:'Encounter/e1'})-[:SUBJECT]->(p) "
                + "RETURN p.key AS key, p.placeholder AS placeholder, labels(p) AS labels");
        assertThat(ph).containsEntry("key", "Patient/p1").containsEntry("placeholder", true);
        assertThat(ph.get("labels")).isEqualTo(List.of("Resource"));

        importPaths(ndjson("pat.ndjson", "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"gender\":\"female\"}"));
        Map<String, Object> filled = single("MATCH (:Encounter {key:'Encounter/e1'})-[:SUBJECT]->(p) "
                + "RETURN p.key AS key, p.placeholder AS placeholder, 'Patient' IN labels(p) AS isPatient, p.json IS NOT NULL AS hasJson");
        assertThat(filled).containsEntry("key", "Patient/p1").containsEntry("placeholder", null)
                .containsEntry("isPatient", true).containsEntry("hasJson", true);
        assertThat(single("MATCH (n:Resource) RETURN count(n) AS c").get("c")).isEqualTo(2L);
        // the encounter chain is built once the patient is known
        assertThat(single("MATCH (:Patient {key:'Patient/p1'})-[:FIRST_ENCOUNTER]->(e) RETURN e.key AS k").get("k"))
                .isEqualTo("Encounter/e1");
    }

    @Test
    void loadOrderDoesNotMatterForConditionalReferences() throws IOException {
        requireFixture();
        Path patients = SYNTHEA.resolve("Cordie578_Bechtelar572_069b5064-ff05-2225-3995-f32685518bc6.json");
        Path practitioners = SYNTHEA.resolve("practitionerInformation1735689600000.json");
        Path hospitals = SYNTHEA.resolve("hospitalInformation1735689600000.json");

        importPaths(patients);
        // before the practitioners arrive, conditional references are placeholders carrying the identifier
        assertThat((Long) single("MATCH (p:Resource {placeholder:true})-[:STANDS_FOR]->(:Identifier) RETURN count(p) AS c")
                .get("c")).isPositive();
        importPaths(practitioners);
        importPaths(hospitals);
        GraphStats.Stats patientsFirst = stats.read();
        String practitionerRels = practitionerEdges();

        clearGraph();
        importPaths(hospitals);
        importPaths(practitioners);
        importPaths(patients);
        assertThat(stats.read()).isEqualTo(patientsFirst);
        assertThat(practitionerEdges()).isEqualTo(practitionerRels);
        assertThat(patientsFirst.nodes()).doesNotContainKey("Placeholder");
    }

    @Test
    void bulkNdjsonByTypeGivesTheSameGraphAsTheTransactionBundles() throws IOException {
        requireFixture();
        importPaths(SYNTHEA);
        GraphStats.Stats fromBundles = stats.read();
        String edges = practitionerEdges();

        // the same data as Bulk Data export writes it: one NDJSON file per type (AllergyIntolerance... first, so
        // most references point at resources not loaded yet), references as Type/id
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        Map<String, String> urns = new java.util.HashMap<>();
        Map<String, StringBuilder> byType = new java.util.TreeMap<>();
        java.io.File[] files = SYNTHEA.toFile().listFiles();
        for (java.io.File f : files) {
            for (var e : json.readTree(f).get("entry")) {
                urns.put(e.get("fullUrl").asText(), e.at("/resource/resourceType").asText() + "/" + e.at("/resource/id").asText());
            }
        }
        for (java.io.File f : files) {
            for (var e : json.readTree(f).get("entry")) {
                String line = json.writeValueAsString(e.get("resource"));
                for (var u : urns.entrySet()) line = line.replace("\"" + u.getKey() + "\"", "\"" + u.getValue() + "\"");
                byType.computeIfAbsent(e.at("/resource/resourceType").asText(), t -> new StringBuilder()).append(line).append('\n');
            }
        }
        Path bulk = Files.createDirectories(dir.resolve("bulk"));
        for (var t : byType.entrySet()) Files.writeString(bulk.resolve(t.getKey() + ".ndjson"), t.getValue());

        clearGraph();
        assertThat(importPaths(bulk).failed()).isZero();
        assertThat(stats.read()).isEqualTo(fromBundles);
        assertThat(practitionerEdges()).isEqualTo(edges);
    }

    private String practitionerEdges() {
        return query("MATCH (a:Resource)-[r]->(p:Practitioner) RETURN a.key + ' ' + type(r) + ' ' + p.key AS e ORDER BY e")
                .stream().map(r -> r.get("e").asString()).toList().toString();
    }

    @Test
    void anUpdatedResourceKeepsItsPriorVersion() throws IOException {
        importPaths(ndjson("v1.ndjson", "{\"resourceType\":\"Patient\",\"id\":\"v\",\"gender\":\"male\","
                + "\"maritalStatus\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-MaritalStatus\",\"code\":\"M\"}]}}"));
        importPaths(ndjson("v2.ndjson", "{\"resourceType\":\"Patient\",\"id\":\"v\",\"gender\":\"female\"}"));
        Map<String, Object> now = single("MATCH (n:Patient {key:'Patient/v'}) OPTIONAL MATCH (n)-[:CODED]->(c) "
                + "RETURN n.versionId AS version, n.json AS json, count(c) AS codes");
        assertThat(now.get("version")).isEqualTo(2L);
        assertThat((String) now.get("json")).contains("female");
        assertThat(now.get("codes")).as("relationships follow the current content").isEqualTo(0L);
        Map<String, Object> prior = single("MATCH (v:Version)-[:VERSION_OF]->(:Patient {key:'Patient/v'}) "
                + "RETURN v.versionId AS version, v.json AS json, v.key AS key");
        assertThat(prior.get("version")).isEqualTo(1L);
        assertThat((String) prior.get("json")).contains("\"male\"");
        assertThat(prior.get("key")).isEqualTo("Patient/v/_history/1");
    }

    @Test
    void containedResourcesAndExtensionsSurviveAndLocalReferencesMakeNoRelationship() throws IOException {
        String json = "{\"resourceType\":\"MedicationRequest\",\"id\":\"mr1\",\"status\":\"active\",\"intent\":\"order\","
                + "\"contained\":[{\"resourceType\":\"Medication\",\"id\":\"med\",\"code\":{\"coding\":[{\"system\":"
                + "\"http://www.nlm.nih.gov/research/umls/rxnorm\",\"code\":\"1049221\"}]}}],"
                + "\"extension\":[{\"url\":\"http://example.org/x\",\"valueString\":\"kept\"}],"
                + "\"_status\":{\"extension\":[{\"url\":\"http://example.org/y\",\"valueBoolean\":true}]},"
                + "\"medicationReference\":{\"reference\":\"#med\"},\"subject\":{\"reference\":\"Patient/p9\"}}";
        importPaths(ndjson("mr.ndjson", json));
        Map<String, Object> row = single("MATCH (m:MedicationRequest) OPTIONAL MATCH (m)-[r]->(t:Resource) "
                + "RETURN m.json AS json, collect(type(r)) AS rels");
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree((String) row.get("json")))
                .isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json));
        assertThat(row.get("rels")).isEqualTo(List.of("SUBJECT"));
        assertThat(single("MATCH (:MedicationRequest)-[:CODED {path:'MedicationRequest.contained.code'}]->(c:Concept) "
                + "RETURN c.code AS code").get("code")).isEqualTo("1049221");
    }
}
