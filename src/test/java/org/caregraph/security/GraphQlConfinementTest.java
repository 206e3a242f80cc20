package org.caregraph.security;

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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GraphQL with the caller's context: a patient token gets its own journey and nothing of anyone else's, nested fields
 * included; a practitioner sees its own patients; population queries need an analytics scope at user or system level,
 * and a user-level caller gets small cells suppressed. Real HTTP, real tokens.
 */
class GraphQlConfinementTest extends GraphTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void fixture() throws Exception {
        clearGraph();
        List<String> resources = new ArrayList<>(List.of(
                "{\"resourceType\":\"Practitioner\",\"id\":\"gq-dr\",\"name\":[{\"family\":\"Alpha\"}]}",
                "{\"resourceType\":\"Practitioner\",\"id\":\"gq-dr2\",\"name\":[{\"family\":\"Beta\"}]}"));
        for (String p : List.of("gq-a", "gq-b")) {
            String dr = p.equals("gq-a") ? "gq-dr" : "gq-dr2";
            resources.add("{\"resourceType\":\"Patient\",\"id\":\"" + p + "\",\"name\":[{\"family\":\"Name-" + p + "\"}]}");
            resources.add("{\"resourceType\":\"Encounter\",\"id\":\"" + p + "-e\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},"
                    + "\"period\":{\"start\":\"2020-01-01T10:00:00Z\"},\"subject\":{\"reference\":\"Patient/" + p + "\"},"
                    + "\"participant\":[{\"individual\":{\"reference\":\"Practitioner/" + dr + "\"}}]}");
            resources.add(condition(p + "-c1", p, "gq-start", "2020-01-01T10:00:00Z"));
            resources.add(condition(p + "-c2", p, "gq-next", "2020-02-01T10:00:00Z"));
        }
        for (String r : resources) {
            JsonNode tree = JSON.readTree(r);
            HttpRequest put = authorized(URI.create("http://127.0.0.1:" + httpPort + "/fhir/" + tree.get("resourceType").asText()
                    + "/" + tree.get("id").asText())).header("Content-Type", "application/fhir+json")
                    .PUT(HttpRequest.BodyPublishers.ofString(r)).build();
            assertThat(http.send(put, HttpResponse.BodyHandlers.ofString()).statusCode()).isIn(200, 201);
        }
    }

    private static String condition(String id, String patient, String code, String onset) {
        return "{\"resourceType\":\"Condition\",\"id\":\"" + id + "\",\"subject\":{\"reference\":\"Patient/" + patient + "\"},"
                + "\"encounter\":{\"reference\":\"Encounter/" + patient + "-e\"},\"onsetDateTime\":\"" + onset + "\","
                + "\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"" + code + "\"}]}}";
    }

    private JsonNode graphql(String token, String query) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/graphql"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("query", query)))).build();
        return JSON.readTree(http.send(r, HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void aPatientTokenGetsItsOwnJourneyAndNothingElse() throws Exception {
        String alice = token("app-a", null, "gq-a", List.of("patient/*.rs"));
        JsonNode own = graphql(alice, "{ patient(id: \"gq-a\") { id journey(first: 50) { edges { node { key } } } "
                + "encounters(first: 10) { edges { node { key events { key } } } } conditions { key } } }");
        assertThat(own.has("errors")).as(own.toString()).isFalse();
        assertThat(own.at("/data/patient/journey/edges").findValuesAsText("key"))
                .containsExactlyInAnyOrder("Encounter/gq-a-e", "Condition/gq-a-c1", "Condition/gq-a-c2");
        assertThat(own.at("/data/patient/encounters/edges/0/node/events").findValuesAsText("key"))
                .containsExactlyInAnyOrder("Condition/gq-a-c1", "Condition/gq-a-c2");
        JsonNode other = graphql(alice, "{ patient(id: \"gq-b\") { id conditions { key } } careTeam(patientId: \"gq-b\") { members { id } } }");
        assertThat(other.at("/data/patient").isNull()).as(other.toString()).isTrue();
        assertThat(other.at("/data/careTeam").isNull()).isTrue();
        JsonNode network = graphql(alice, "{ practitioner(id: \"gq-dr2\") { id patients network(first: 5) { sharedPatients } } }");
        assertThat(network.at("/data/practitioner/patients").asInt()).as("B is not counted for A").isZero();
        // population queries are not a patient's
        JsonNode pathways = graphql(alice, "{ pathways(start: [{code: \"gq-start\"}], minSupport: 1) { cohortSize } }");
        assertThat(pathways.at("/errors/0/extensions/code").asText()).isEqualTo("FORBIDDEN");
        JsonNode cohort = graphql(alice, "{ cohort(criteria: {gender: \"female\"}) { count } }");
        assertThat(cohort.at("/errors/0/extensions/code").asText()).isEqualTo("FORBIDDEN");
    }

    @Test
    void aPractitionerSeesItsPatientsAndGetsSmallCellsSuppressed() throws Exception {
        String dr = token("app-dr", "Practitioner/gq-dr", null, List.of("user/*.rs"));
        assertThat(graphql(dr, "{ patient(id: \"gq-a\") { id } }").at("/data/patient/id").asText()).isEqualTo("gq-a");
        assertThat(graphql(dr, "{ patient(id: \"gq-b\") { id } }").at("/data/patient").isNull()).isTrue();
        assertThat(graphql(dr, "{ pathways(start: [{code: \"gq-start\"}], minSupport: 1) { cohortSize } }")
                .at("/errors/0/extensions/code").asText()).as("no analytics scope").isEqualTo("FORBIDDEN");

        String analyst = token("app-dr", "Practitioner/gq-dr", null, List.of("user/*.rs", "user/caregraph.analytics"));
        String pathwaysQuery = "{ pathways(start: [{code: \"gq-start\"}], minSupport: 1) { cohortSize suppressed "
                + "nodes { patients percent suppressed } links { patients medianDays suppressed } sequences { patients suppressed } } }";
        JsonNode suppressed = graphql(analyst, pathwaysQuery);
        assertThat(suppressed.has("errors")).as(suppressed.toString()).isFalse();
        assertThat(suppressed.at("/data/pathways/cohortSize").isNull()).isTrue();
        assertThat(suppressed.at("/data/pathways/suppressed").asBoolean()).isTrue();
        assertThat(suppressed.at("/data/pathways/nodes")).allSatisfy(n -> {
            assertThat(n.get("patients").isNull()).isTrue();
            assertThat(n.get("percent").isNull()).isTrue();
            assertThat(n.get("suppressed").asBoolean()).isTrue();
        });
        assertThat(suppressed.at("/data/pathways/links/0/medianDays").isNull()).isTrue();
        JsonNode count = graphql(analyst, "{ cohort(criteria: {condition: {codes: [{code: \"gq-start\"}]}}) { count suppressed "
                + "patients(first: 10) { nodes { id } } } }");
        assertThat(count.has("errors")).as(count.toString()).isFalse();
        assertThat(count.at("/data/cohort/count").isNull()).isTrue();
        assertThat(count.at("/data/cohort/suppressed").asBoolean()).isTrue();
        assertThat(count.at("/data/cohort/patients/nodes").findValuesAsText("id")).as("its own patients only").containsExactly("gq-a");

        // at system level every figure is shown
        JsonNode shown = graphql(systemToken(), pathwaysQuery);
        assertThat(shown.at("/data/pathways/cohortSize").asInt()).isEqualTo(2);
        assertThat(shown.at("/data/pathways/nodes/0/patients").asInt()).isEqualTo(2);
        assertThat(shown.at("/data/pathways/suppressed").asBoolean()).isFalse();
    }
}
