package org.caregraph.graphql;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** careTeam(patientId) and practitioner(id) { patients network }: answers worked out by hand from the population. */
class CareTeamGraphQlTest extends GraphQlTest {
    private static final String CARE_TEAM = """
            query($id: ID!) { careTeam(patientId: $id) { members {
              resourceType id name roles resources encounters first last } } }""";
    private static final String PRACTITIONER = """
            query($id: ID!, $first: Int) { practitioner(id: $id) { id name gender patients
              network(first: $first) { sharedPatients practitioner { id name patients } } } }""";

    @BeforeEach
    void population() {
        load(new Population()
                .practitioner("dr1", "Alice", "Smith")
                .practitioner("dr2", "Bob", "Jones")
                .add("""
                        {"resourceType":"Practitioner","id":"dr3","gender":"female",
                         "identifier":[{"system":"http://hl7.org/fhir/sid/us-npi","value":"333"}],
                         "name":[{"given":["Carol"],"family":"White"}]}""")
                .organization("org1", "General Hospital")
                .organization("org2", "Dental Clinic")
                .add("""
                        {"resourceType":"PractitionerRole","id":"role1","practitioner":{"reference":"Practitioner/dr1","display":"Dr. Alice Smith"},
                         "organization":{"reference":"Organization/org1"}}""")
                .patient("p1", "female", "1970-01-01", "Ann", "One")
                .encounter("e1", "p1", "2020-01-01T10:00:00+00:00", "dr1", "org1")
                .encounter("e2", "p1", "2020-03-01T10:00:00+00:00", "dr2", "org1")
                .encounter("e3", "p1", "2021-05-01T10:00:00+00:00", "dr1", "org1")
                // drGhost is never loaded: a placeholder, in no care team and no network
                .encounter("e4", "p1", "2021-06-01T10:00:00+00:00", "drGhost", null)
                .medication("m1", "p1", "e1", "860975", "metformin", "2020-01-01T10:30:00+00:00", "dr1")
                // 23:00 UTC on Feb 1: earlier than the CareTeam's start although its text sorts later
                .medication("m2", "p1", null, "314076", "lisinopril", "2022-02-02T01:00:00+02:00", "dr3")
                .add(performed("proc1", "p1", "e2", "Practitioner/dr2", "2020-03-01T10:15:00+00:00"))
                .add("""
                        {"resourceType":"CareTeam","id":"ct1","status":"active","subject":{"reference":"Patient/p1"},
                         "period":{"start":"2022-02-01T23:30:00+00:00"},
                         "participant":[
                           {"role":[{"coding":[{"system":"http://snomed.info/sct","code":"116154003","display":"Patient"}]}],
                            "member":{"reference":"Patient/p1"}},
                           {"role":[{"coding":[{"system":"http://snomed.info/sct","code":"223366009","display":"Healthcare professional (occupation)"}]}],
                            "member":{"reference":"Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|333"}},
                           {"role":[{"text":"Healthcare services"}],"member":{"reference":"Organization/org2"}}],
                         "managingOrganization":[{"reference":"Organization/org2"}]}""")
                .patient("p2", "male", "1980-01-01", "Ben", "Two")
                .encounter("e5", "p2", "2020-02-01T10:00:00+00:00", "dr2", "org2")
                .encounter("e6", "p2", "2020-04-01T10:00:00+00:00", "dr3", "org1")
                .medication("m3", "p2", null, "860975", "metformin", "2020-06-01T09:00:00+00:00", "dr1")
                .add(performed("proc2", "p2", "e5", "PractitionerRole/role1", "2020-02-01T10:20:00+00:00"))
                .add("""
                        {"resourceType":"Patient","id":"p3","gender":"female","birthDate":"1990-01-01",
                         "name":[{"given":["Cat"],"family":"Three"}],"generalPractitioner":[{"reference":"Practitioner/dr2"}]}""")
                .encounter("e7", "p3", "2020-05-01T10:00:00+00:00", "dr1", null)
                .patient("p4", "male", "2000-01-01", "Dan", "Four"));
    }

    /** An appendectomy of {@code patient} in {@code encounter} with a performer (Population's procedures have none). */
    private static String performed(String id, String patient, String encounter, String performer, String time) {
        return """
                {"resourceType":"Procedure","id":"%s","status":"completed","subject":{"reference":"Patient/%s"},
                 "encounter":{"reference":"Encounter/%s"},"performer":[{"actor":{"reference":"%s"}}],
                 "code":{"coding":[{"system":"http://snomed.info/sct","code":"80146002","display":"Appendectomy"}]},
                 "performedDateTime":"%s"}""".formatted(id, patient, encounter, performer, time);
    }

    private static String row(JsonNode m) {
        List<String> roles = new ArrayList<>();
        m.get("roles").forEach(r -> roles.add(r.asText()));
        return String.join(" | ", m.get("resourceType").asText(), m.get("id").asText(), m.get("name").asText(),
                String.join(", ", roles), m.get("resources").asText(), m.get("encounters").asText(),
                m.get("first").asText(), m.get("last").asText());
    }

    private List<String> careTeam(String patient) {
        List<String> rows = new ArrayList<>();
        data(CARE_TEAM, "id", patient).at("/careTeam/members").forEach(m -> rows.add(row(m)));
        return rows;
    }

    @Test
    void careTeamOfPatientOne() {
        assertThat(careTeam("p1")).containsExactly(
                "Practitioner | dr1 | Alice Smith | Encounter.participant, MedicationRequest.requester | 3 | 2 | 2020-01-01T10:00:00.000Z | 2021-05-01T10:00:00.000Z",
                "Organization | org1 | General Hospital | Encounter.serviceProvider | 3 | 3 | 2020-01-01T10:00:00.000Z | 2021-05-01T10:00:00.000Z",
                "Practitioner | dr2 | Bob Jones | Encounter.participant, Procedure.performer | 2 | 1 | 2020-03-01T10:00:00.000Z | 2020-03-01T10:15:00.000Z",
                "Practitioner | dr3 | Carol White | Healthcare professional (occupation), MedicationRequest.requester | 2 | 0 | 2022-02-01T23:00:00.000Z | 2022-02-01T23:30:00.000Z",
                "Organization | org2 | Dental Clinic | CareTeam.managingOrganization, Healthcare services | 1 | 0 | 2022-02-01T23:30:00.000Z | 2022-02-01T23:30:00.000Z");
    }

    @Test
    void practitionerRolesGeneralPractitionerAndEmptyTeams() {
        assertThat(careTeam("p2")).containsExactly(
                "Practitioner | dr1 | Alice Smith | MedicationRequest.requester | 1 | 0 | 2020-06-01T09:00:00.000Z | 2020-06-01T09:00:00.000Z",
                "Practitioner | dr2 | Bob Jones | Encounter.participant | 1 | 1 | 2020-02-01T10:00:00.000Z | 2020-02-01T10:00:00.000Z",
                "Practitioner | dr3 | Carol White | Encounter.participant | 1 | 1 | 2020-04-01T10:00:00.000Z | 2020-04-01T10:00:00.000Z",
                "Organization | org1 | General Hospital | Encounter.serviceProvider | 1 | 1 | 2020-04-01T10:00:00.000Z | 2020-04-01T10:00:00.000Z",
                "Organization | org2 | Dental Clinic | Encounter.serviceProvider | 1 | 1 | 2020-02-01T10:00:00.000Z | 2020-02-01T10:00:00.000Z",
                "PractitionerRole | role1 | Dr. Alice Smith | Procedure.performer | 1 | 1 | 2020-02-01T10:20:00.000Z | 2020-02-01T10:20:00.000Z");
        // the Patient resource's own reference counts, its birth date is no time of care
        assertThat(careTeam("p3")).containsExactly(
                "Practitioner | dr1 | Alice Smith | Encounter.participant | 1 | 1 | 2020-05-01T10:00:00.000Z | 2020-05-01T10:00:00.000Z",
                "Practitioner | dr2 | Bob Jones | Patient.generalPractitioner | 1 | 0 | null | null");
        assertThat(data(CARE_TEAM, "id", "p4").at("/careTeam/members").isEmpty()).isTrue();
        assertThat(data(CARE_TEAM, "id", "nobody").get("careTeam").isNull()).isTrue();
        assertThat(data(CARE_TEAM, "id", "drGhost").get("careTeam").isNull()).isTrue();
    }

    @Test
    void practitionerNetwork() {
        // dr1 sees p1, p2, p3; dr2 sees them all too (p3 as general practitioner); dr3 sees p1 and p2
        JsonNode dr1 = data(PRACTITIONER, "id", "dr1").get("practitioner");
        assertThat(dr1.get("name").asText()).isEqualTo("Alice Smith");
        assertThat(dr1.get("gender").isNull()).isTrue();
        assertThat(dr1.get("patients").asInt()).isEqualTo(3);
        assertThat(colleagues(dr1)).containsExactly("dr2 Bob Jones 3 shared 3", "dr3 Carol White 2 shared 2");
        JsonNode dr3 = data(PRACTITIONER, "id", "dr3").get("practitioner");
        assertThat(dr3.get("gender").asText()).isEqualTo("female");
        assertThat(dr3.get("patients").asInt()).isEqualTo(2);
        assertThat(colleagues(dr3)).as("ties by id").containsExactly("dr1 Alice Smith 3 shared 2", "dr2 Bob Jones 3 shared 2");
        assertThat(colleagues(data(PRACTITIONER, "id", "dr1", "first", 1).get("practitioner"))).containsExactly("dr2 Bob Jones 3 shared 3");
        assertThat(data(PRACTITIONER, "id", "drGhost").get("practitioner").isNull()).isTrue();
        assertThat(data(PRACTITIONER, "id", "org1").get("practitioner").isNull()).isTrue();
        assertThat(errorCode(PRACTITIONER, "id", "dr1", "first", 0)).isEqualTo("BAD_ARGUMENT");
        assertThat(errorCode(PRACTITIONER, "id", "dr1", "first", 101)).isEqualTo("BAD_ARGUMENT");
    }

    private static List<String> colleagues(JsonNode practitioner) {
        List<String> out = new ArrayList<>();
        practitioner.get("network").forEach(c -> out.add(c.at("/practitioner/id").asText() + " " + c.at("/practitioner/name").asText()
                + " " + c.at("/practitioner/patients").asText() + " shared " + c.get("sharedPatients").asText()));
        return out;
    }
}
