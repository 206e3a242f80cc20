package org.caregraph.graphql;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Patient journeys on a population whose order is known: encounters written with mixed UTC offsets (so string order
 * of the raw times would be wrong), events in and out of encounters, a blood-pressure panel and a note with NLP mentions.
 */
class JourneyGraphQlTest extends GraphQlTest {
    @Autowired MeterRegistry meters;

    /** Event keys of j1 in true time order. */
    static final List<String> ORDER = List.of("Encounter/e1", "Condition/c1", "Observation/bp1", "Encounter/e3",
            "MedicationRequest/m1", "Encounter/e2", "DocumentReference/n1", "Condition/c2", "Procedure/x1");

    @BeforeEach
    void population() {
        load(new Population()
                .patient("j1", "male", "1970-02-03", "Jon", "Journey")
                .patient("j2", "female", "1980-01-01", "Other", "Patient")
                .practitioner("dr1", "Ann", "Doc")
                .encounter("e1", "j1", "2020-01-01T10:00:00+00:00", "dr1", null)
                // 09:00 at -05:00 is 14:00 UTC: after e3 (12:00 UTC) although its written time sorts first
                .encounter("e2", "j1", "2020-03-01T09:00:00-05:00", "dr1", null)
                .encounter("e3", "j1", "2020-03-01T12:00:00+00:00", null, null)
                .condition("c1", "j1", "e1", "38341003", "Hypertension", "2020-01-01T10:30:00+00:00")
                .condition("c2", "j1", "e2", "44054006", "Diabetes", "2020-03-01T15:00:00+00:00")
                .medication("m1", "j1", "e3", "314076", "lisinopril 10 MG", "2020-03-01T12:30:00+00:00", "dr1")
                .procedure("x1", "j1", null, "710824005", "Assessment of health", "2020-06-01T08:00:00+00:00")
                .add("""
                        {"resourceType":"Observation","id":"bp1","status":"final","subject":{"reference":"Patient/j1"},
                         "encounter":{"reference":"Encounter/e1"},"effectiveDateTime":"2020-01-01T10:40:00+00:00",
                         "code":{"coding":[{"system":"http://loinc.org","code":"85354-9","display":"Blood pressure panel"}]},
                         "component":[
                          {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6","display":"Systolic blood pressure"}]},
                           "valueQuantity":{"value":151,"unit":"mm[Hg]","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
                          {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4","display":"Diastolic blood pressure"}]},
                           "valueQuantity":{"value":92,"unit":"mm[Hg]","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}""")
                .add("""
                        {"resourceType":"DocumentReference","id":"n1","status":"current","subject":{"reference":"Patient/j1"},
                         "type":{"coding":[{"system":"http://loinc.org","code":"34117-2","display":"History and physical note"}]},
                         "date":"2020-03-01T14:30:00+00:00","context":{"encounter":[{"reference":"Encounter/e2"}]},
                         "content":[{"attachment":{"contentType":"text/plain","data":"Tm8gY2hlc3QgcGFpbi4="}}]}""")
                .condition("other", "j2", null, "38341003", "Hypertension", "2020-01-02T00:00:00+00:00"));
        // the journey's reading of mentions, whatever the pipeline found: one affirmed and one negated mention
        query("""
                MATCH (n:Resource {key: 'DocumentReference/n1'})
                CALL (n) { MATCH (n)-[m:MENTIONS]->() DELETE m }
                MERGE (k:Concept {key: 'http://snomed.info/sct|29857009'}) SET k.system = 'http://snomed.info/sct', k.code = '29857009', k.display = 'Chest pain'
                MERGE (h:Concept {key: 'http://snomed.info/sct|38341003'})
                CREATE (n)-[:MENTIONS {begin: 3, end: 13, text: 'chest pain', category: 'MEDICAL_CONDITION', negated: true}]->(k)
                CREATE (n)-[:MENTIONS {begin: 20, end: 23, text: 'HTN', category: 'MEDICAL_CONDITION', type: 'DX_NAME', trait: 'DIAGNOSIS',
                    negated: false}]->(h)""");
    }

    @Test
    void journeyIsTheTimeOrderedEventsWithCodesEncountersValuesAndMentions() {
        JsonNode edges = data("""
                { patient(id: "j1") { journey { edges { node {
                    key id type resourceType time display concepts { key code display }
                    encounter { id time } values { concept { code display } value unit }
                    mentions { text begin negated type trait concept { display } } } } } } }""")
                .at("/patient/journey/edges");
        List<String> keys = new ArrayList<>();
        edges.forEach(e -> keys.add(e.at("/node/key").asText()));
        assertThat(keys).isEqualTo(ORDER);
        JsonNode e2 = edges.get(5).get("node");
        assertThat(e2.get("time").asText()).isEqualTo("2020-03-01T14:00:00.000Z");
        assertThat(e2.get("type").asText()).isEqualTo("ENCOUNTER");
        JsonNode c1 = edges.get(1).get("node");
        assertThat(c1.get("display").asText()).isEqualTo("Hypertension");
        assertThat(c1.at("/concepts/0/key").asText()).isEqualTo("http://snomed.info/sct|38341003");
        assertThat(c1.at("/concepts").size()).as("the category is not the condition's own concept").isEqualTo(1);
        assertThat(c1.at("/encounter/id").asText()).isEqualTo("e1");
        JsonNode bp = edges.get(2).get("node");
        assertThat(bp.get("values").size()).isEqualTo(2);
        assertThat(bp.at("/values/0/concept/display").asText()).isEqualTo("Systolic blood pressure");
        assertThat(bp.at("/values/0/value").asDouble()).isEqualTo(151.0);
        assertThat(bp.at("/values/0/unit").asText()).isEqualTo("mm[Hg]");
        assertThat(bp.at("/values/1/value").asDouble()).isEqualTo(92.0);
        JsonNode note = edges.get(6).get("node");
        assertThat(note.get("type").asText()).isEqualTo("NOTE");
        assertThat(note.at("/encounter/id").asText()).isEqualTo("e2");
        assertThat(note.at("/mentions/0/text").asText()).isEqualTo("chest pain");
        assertThat(note.at("/mentions/0/negated").asBoolean()).isTrue();
        assertThat(note.at("/mentions/1/concept/display").asText()).isEqualTo("Hypertension");
        assertThat(note.at("/mentions/1/type").asText()).isEqualTo("DX_NAME");
        assertThat(note.at("/mentions/1/trait").asText()).isEqualTo("DIAGNOSIS");
        assertThat(note.at("/mentions/0/trait").isNull()).isTrue();
        assertThat(edges.get(8).at("/node/encounter").isNull()).isTrue();
        assertThat(edges.get(8).at("/node/mentions").size()).isZero();
    }

    @Test
    void pagesFollowCursorsWithoutGapsOrRepeats() {
        List<String> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        while (true) {
            JsonNode page = data("""
                    query($after: String) { patient(id: "j1") { journey(first: 2, after: $after) {
                        edges { cursor node { key } } pageInfo { hasNextPage endCursor } } } }""", "after", after)
                    .at("/patient/journey");
            page.get("edges").forEach(e -> seen.add(e.at("/node/key").asText()));
            pages++;
            if (!page.at("/pageInfo/hasNextPage").asBoolean()) break;
            after = page.at("/pageInfo/endCursor").asText();
        }
        assertThat(seen).isEqualTo(ORDER);
        assertThat(pages).isEqualTo(5);
    }

    @Test
    void typesAndTimeBoundsFilter() {
        JsonNode edges = data("""
                { patient(id: "j1") { journey(types: [CONDITION, MEDICATION], from: "2020-02-01", to: "2020-03-01T15:00:00+00:00") {
                    edges { node { key } } } } }""").at("/patient/journey/edges");
        assertThat(edges.size()).isEqualTo(1);
        assertThat(edges.get(0).at("/node/key").asText()).isEqualTo("MedicationRequest/m1");
        // to is exclusive and compared in UTC: 10:00 at -05:00 is 15:00 UTC
        JsonNode inclusive = data("""
                { patient(id: "j1") { journey(types: [CONDITION], from: "2020-02-01", to: "2020-03-01T10:00:01-05:00") {
                    edges { node { key } } } } }""").at("/patient/journey/edges");
        assertThat(inclusive.size()).isEqualTo(1);
        assertThat(inclusive.get(0).at("/node/key").asText()).isEqualTo("Condition/c2");
    }

    @Test
    void encountersCarryTheirEventsInFewQueries() {
        long eventReads = reads("events");
        long mentionReads = reads("note-mentions");
        JsonNode p = data("""
                { patient(id: "j1") {
                    encounters { edges { node { id display events { key encounter { id } mentions { text } } } } }
                    conditions { key } medications { key display } } }""").get("patient");
        JsonNode encounters = p.at("/encounters/edges");
        assertThat(encounters.size()).isEqualTo(3);
        assertThat(encounters.get(0).at("/node/id").asText()).isEqualTo("e1");
        assertThat(encounters.get(1).at("/node/id").asText()).isEqualTo("e3");
        assertThat(encounters.get(2).at("/node/id").asText()).isEqualTo("e2");
        assertThat(encounters.get(0).at("/node/display").asText()).isEqualTo("Encounter for check up");
        assertThat(keys(encounters.get(0).at("/node/events"))).containsExactly("Condition/c1", "Observation/bp1");
        assertThat(keys(encounters.get(1).at("/node/events"))).containsExactly("MedicationRequest/m1");
        assertThat(keys(encounters.get(2).at("/node/events"))).containsExactly("DocumentReference/n1", "Condition/c2");
        assertThat(keys(p.get("conditions"))).containsExactly("Condition/c1", "Condition/c2");
        assertThat(p.at("/medications/0/display").asText()).isEqualTo("lisinopril 10 MG");
        // one query per list and per level, not per encounter or event: the encounters, conditions and medications
        // lists, then the events of all encounters (their encounter's id needs no read); mentions of all notes
        assertThat(reads("events") - eventReads).isEqualTo(4);
        assertThat(reads("note-mentions") - mentionReads).isEqualTo(1);
        JsonNode filtered = data("""
                { patient(id: "j1") { encounters(first: 1) { edges { node { events(types: [OBSERVATION]) { key } } } } } }""");
        assertThat(keys(filtered.at("/patient/encounters/edges/0/node/events"))).containsExactly("Observation/bp1");
    }

    @Test
    void badArgumentsAreErrorsWithCodes() {
        assertThat(errorCode("{ patient(id: \"j1\") { journey(first: 0) { edges { cursor } } } }")).isEqualTo("BAD_ARGUMENT");
        assertThat(errorCode("{ patient(id: \"j1\") { journey(first: 5000) { edges { cursor } } } }")).isEqualTo("BAD_ARGUMENT");
        assertThat(errorCode("{ patient(id: \"j1\") { journey(from: \"last year\") { edges { cursor } } } }")).isEqualTo("BAD_ARGUMENT");
        assertThat(errorCode("{ patient(id: \"j1\") { journey(types: [SHOES]) { edges { cursor } } } }")).isEqualTo("GRAPHQL_VALIDATION_FAILED");
        assertThat(errorCode("{ patient(id: \"j1\") { journey(after: \"bm90IGEgY3Vyc29y\") { edges { cursor } } } }"))
                .isEqualTo("BAD_ARGUMENT");
    }

    private long reads(String query) {
        Timer t = meters.find("caregraph.graph.reads").tag("query", query).timer();
        return t == null ? 0 : t.count();
    }

    private static List<String> keys(JsonNode events) {
        List<String> keys = new ArrayList<>();
        events.forEach(e -> keys.add(e.get("key").asText()));
        return keys;
    }
}
