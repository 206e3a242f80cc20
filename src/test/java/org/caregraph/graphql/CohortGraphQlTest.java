package org.caregraph.graphql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.caregraph.graphql.Population.LOINC;
import static org.caregraph.graphql.Population.RXNORM;
import static org.caregraph.graphql.Population.SNOMED;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.time.Period;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * cohort(criteria) and saveCohort on a population of six patients whose answers are worked out by hand below:
 * p1 female 1950-03-10: hypertension 2015-01-10 and again 2016-01-01, lisinopril 2015-02-01 (22 days after the first),
 *    a blood-pressure panel 2015-01-10 with systolic 150 and diastolic 95 as components.
 * p2 male 1980-06-01: diabetes 2018-05-01, metformin 2018-04-01 (30 days before), systolic 120 on its own.
 * p3 female 2010-09-15: hypertensive renal disease 2020-01-01 (IS_A hypertension), appendectomy, influenza vaccine.
 * p4 male 1940-01-01: a note mentioning hypertensive renal disease (certain, about the patient).
 * p5 other 1990-12-31: a note with a negated hypertension, an uncertain diabetes and a family member's asthma.
 * p6 female 2000-02-29: hypertension 2010-01-01, systolic 145 mm[Hg] 2019-01-01.
 */
class CohortGraphQlTest extends GraphQlTest {
    private static final String CVX = "http://hl7.org/fhir/sid/cvx";
    private static final String HYPERTENSION = "59621000";
    private static final String RENAL = "38481006";
    private static final String DIABETES = "44054006";
    private static final String ASTHMA = "195967001";
    private static final String LISINOPRIL = "314076";
    private static final String METFORMIN = "860975";
    private static final String SYSTOLIC = "8480-6";
    private static final String DIASTOLIC = "8462-4";
    private static final String BP_PANEL = "85354-9";
    private static final Map<String, String> BORN = Map.of("p1", "1950-03-10", "p2", "1980-06-01", "p3", "2010-09-15",
            "p4", "1940-01-01", "p5", "1990-12-31", "p6", "2000-02-29");

    private static final String COHORT = "query($c: CohortCriteria!) { cohort(criteria: $c) { count patients(first: 100) { nodes { id } } } }";

    @BeforeEach
    void population() {
        Population p = new Population()
                .patient("p1", "female", BORN.get("p1"), "Ada", "One")
                .patient("p2", "male", BORN.get("p2"), "Bo", "Two")
                .patient("p3", "female", BORN.get("p3"), "Cy", "Three")
                .patient("p4", "male", BORN.get("p4"), "Di", "Four")
                .patient("p5", "other", BORN.get("p5"), "Ed", "Five")
                .patient("p6", "female", BORN.get("p6"), "Flo", "Six")
                .condition("c1", "p1", null, HYPERTENSION, "Essential hypertension", "2015-01-10T09:00:00+00:00")
                .condition("c1b", "p1", null, HYPERTENSION, "Essential hypertension", "2016-01-01T09:00:00+00:00")
                .medication("m1", "p1", null, LISINOPRIL, "lisinopril 10 MG", "2015-02-01T09:00:00+00:00", null)
                .condition("c2", "p2", null, DIABETES, "Diabetes mellitus", "2018-05-01T10:00:00+00:00")
                .medication("m2", "p2", null, METFORMIN, "metformin 500 MG", "2018-04-01T10:00:00+00:00", null)
                .observation("o2", "p2", null, SYSTOLIC, "Systolic blood pressure", "2018-05-01T10:00:00+00:00", 120, "mm[Hg]")
                .condition("c3", "p3", null, RENAL, "Hypertensive renal disease", "2020-01-01T08:00:00+00:00")
                .procedure("pr3", "p3", null, "80146002", "Appendectomy", "2021-06-01T08:00:00+00:00")
                .condition("c6", "p6", null, HYPERTENSION, "Essential hypertension", "2010-01-01T08:00:00+00:00")
                .observation("o6", "p6", null, SYSTOLIC, "Systolic blood pressure", "2019-01-01T08:00:00+00:00", 145, "mm[Hg]")
                .add("""
                        {"resourceType":"Observation","id":"o1","status":"final","subject":{"reference":"Patient/p1"},
                         "code":{"coding":[{"system":"%s","code":"%s"}]},"effectiveDateTime":"2015-01-10T09:00:00+00:00",
                         "component":[
                          {"code":{"coding":[{"system":"%s","code":"%s"}]},"valueQuantity":{"value":150,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
                          {"code":{"coding":[{"system":"%s","code":"%s"}]},"valueQuantity":{"value":95,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}"""
                        .formatted(LOINC, BP_PANEL, LOINC, SYSTOLIC, LOINC, DIASTOLIC))
                .add("""
                        {"resourceType":"Immunization","id":"i3","status":"completed","patient":{"reference":"Patient/p3"},
                         "vaccineCode":{"coding":[{"system":"%s","code":"140"}]},"occurrenceDateTime":"2020-10-01T08:00:00+00:00"}"""
                        .formatted(CVX))
                .add(note("d4", "p4"))
                .add(note("d5", "p5"));
        load(p);
        query("MATCH (c:Concept {key: $c}), (h:Concept {key: $h}) CREATE (c)-[:IS_A]->(h)",
                "c", SNOMED + "|" + RENAL, "h", SNOMED + "|" + HYPERTENSION);
        query("MERGE (:Concept {key: $k, system: $s, code: $c})", "k", SNOMED + "|" + ASTHMA, "s", SNOMED, "c", ASTHMA);
        mention("d4", RENAL, "{negated: false, certainty: 'certain', experiencer: 'patient'}");
        mention("d5", HYPERTENSION, "{negated: true}");
        mention("d5", DIABETES, "{negated: false, certainty: 'possible'}");
        mention("d5", ASTHMA, "{negated: false, experiencer: 'family'}");
    }

    private static String note(String id, String patient) {
        return """
                {"resourceType":"DocumentReference","id":"%s","status":"current","subject":{"reference":"Patient/%s"},
                 "type":{"coding":[{"system":"%s","code":"34117-2"}]},"date":"2021-01-01T00:00:00+00:00",
                 "content":[{"attachment":{"contentType":"text/plain","data":"bm90ZQ=="}}]}""".formatted(id, patient, LOINC);
    }

    private void mention(String doc, String code, String properties) {
        query("MATCH (d:DocumentReference {id: $d}), (k:Concept {key: $k}) CREATE (d)-[:MENTIONS " + properties + "]->(k)",
                "d", doc, "k", SNOMED + "|" + code);
    }

    /** The ids of the cohort's patients, checking that count agrees with them. */
    private List<String> ids(String criteria) {
        JsonNode cohort = data(COHORT, "c", json(criteria)).get("cohort");
        List<String> ids = new ArrayList<>();
        cohort.at("/patients/nodes").forEach(n -> ids.add(n.get("id").asText()));
        assertThat(cohort.get("count").asInt()).isEqualTo(ids.size());
        return ids;
    }

    private static Object json(String criteria) {
        try {
            return JSON.readValue(criteria, Map.class);
        } catch (Exception e) {
            throw new IllegalArgumentException(criteria, e);
        }
    }

    private static String codes(String system, String code) {
        return "{\"codes\": [{\"system\": \"" + system + "\", \"code\": \"" + code + "\"}]";
    }

    @Test
    void codedEventsWithDescendantsAndTimeWindows() {
        String hypertension = codes(SNOMED, HYPERTENSION);
        assertThat(ids("{\"condition\": " + hypertension + "}}")).containsExactly("p1", "p3", "p6");
        assertThat(ids("{\"condition\": " + hypertension + ", \"includeDescendants\": false}}")).containsExactly("p1", "p6");
        assertThat(ids("{\"condition\": " + hypertension + ", \"from\": \"2014-01-01\"}}")).containsExactly("p1", "p3");
        // a date as `to` means through the end of that day
        assertThat(ids("{\"condition\": " + hypertension + ", \"to\": \"2015-01-10\"}}")).containsExactly("p1", "p6");
        assertThat(ids("{\"condition\": " + hypertension + ", \"to\": \"2015-01-10T09:00:00+00:00\"}}")).containsExactly("p6");
        assertThat(ids("{\"medication\": " + codes(RXNORM, LISINOPRIL) + "}}")).containsExactly("p1");
        // no system: the code in any system
        assertThat(ids("{\"medication\": {\"codes\": [{\"code\": \"" + METFORMIN + "\"}]}}")).containsExactly("p2");
        assertThat(ids("{\"medication\": {\"codes\": [{\"system\": \"" + SNOMED + "\", \"code\": \"" + METFORMIN + "\"}]}}")).isEmpty();
        assertThat(ids("{\"procedure\": " + codes(SNOMED, "80146002") + "}}")).containsExactly("p3");
        assertThat(ids("{\"immunization\": " + codes(CVX, "140") + "}}")).containsExactly("p3");
        // a condition code asked as a procedure is no procedure
        assertThat(ids("{\"procedure\": " + hypertension + "}}")).isEmpty();
        assertThat(ids("{\"condition\": " + codes(SNOMED, "0000") + "}}")).isEmpty();
    }

    @Test
    void observationValuesIncludingComponents() {
        String systolic = "\"code\": {\"system\": \"" + LOINC + "\", \"code\": \"" + SYSTOLIC + "\"}";
        assertThat(ids("{\"observation\": {" + systolic + "}}")).containsExactly("p1", "p2", "p6");
        assertThat(ids("{\"observation\": {" + systolic + ", \"min\": 140}}")).containsExactly("p1", "p6");
        assertThat(ids("{\"observation\": {" + systolic + ", \"min\": 140, \"unit\": \"mm[Hg]\"}}")).containsExactly("p1", "p6");
        assertThat(ids("{\"observation\": {" + systolic + ", \"min\": 140, \"unit\": \"kPa\"}}")).isEmpty();
        assertThat(ids("{\"observation\": {" + systolic + ", \"min\": 145, \"max\": 149}}")).containsExactly("p6");
        assertThat(ids("{\"observation\": {" + systolic + ", \"max\": 130}}")).containsExactly("p2");
        assertThat(ids("{\"observation\": {" + systolic + ", \"min\": 140, \"from\": \"2016-01-01\"}}")).containsExactly("p6");
        // the diastolic component's own value, not the systolic one beside it
        assertThat(ids("{\"observation\": {\"code\": {\"code\": \"" + DIASTOLIC + "\"}, \"min\": 90}}")).containsExactly("p1");
        assertThat(ids("{\"observation\": {\"code\": {\"code\": \"" + DIASTOLIC + "\"}, \"min\": 96}}")).isEmpty();
        // the panel is observed, but has no value of its own
        assertThat(ids("{\"observation\": {\"code\": {\"code\": \"" + BP_PANEL + "\"}}}")).containsExactly("p1");
        assertThat(ids("{\"observation\": {\"code\": {\"code\": \"" + BP_PANEL + "\"}, \"min\": 0}}")).isEmpty();
    }

    @Test
    void demographics() {
        assertThat(ids("{\"gender\": \"female\"}")).containsExactly("p1", "p3", "p6");
        assertThat(ids("{\"gender\": \"other\"}")).containsExactly("p5");
        assertThat(ids("{\"age\": {\"min\": 18, \"max\": 40, \"at\": \"2020-01-01\"}}")).containsExactly("p2", "p5", "p6");
        // p6 is born on 29 February: 19 on 2020-02-28, 20 on 2020-02-29
        assertThat(ids("{\"age\": {\"max\": 19, \"at\": \"2020-02-28\"}}")).containsExactly("p3", "p6");
        assertThat(ids("{\"age\": {\"max\": 19, \"at\": \"2020-02-29\"}}")).containsExactly("p3");
        // not yet born is no age
        assertThat(ids("{\"age\": {\"max\": 5, \"at\": \"2005-01-01\"}}")).containsExactly("p6");
        for (String at : List.of("1990-12-30", "1990-12-31", "2000-02-28", "2000-03-01", "2010-09-15", "2024-06-01")) {
            for (int[] range : new int[][] {{0, 0}, {0, 9}, {10, 30}, {40, 50}, {60, 200}}) {
                String criteria = "{\"age\": {\"min\": %d, \"max\": %d, \"at\": \"%s\"}}".formatted(range[0], range[1], at);
                assertThat(ids(criteria)).as(criteria).containsExactlyElementsOf(byAge(LocalDate.parse(at), range[0], range[1]));
            }
        }
    }

    /** The patients of an age range, by java.time's own Period (as Patient.age computes it). */
    private static List<String> byAge(LocalDate at, int min, int max) {
        return BORN.entrySet().stream().filter(e -> !LocalDate.parse(e.getValue()).isAfter(at))
                .filter(e -> {
                    int age = Period.between(LocalDate.parse(e.getValue()), at).getYears();
                    return age >= min && age <= max;
                }).map(Map.Entry::getKey).sorted().toList();
    }

    @Test
    void mentionsAffirmedUnlessWidened() {
        String hypertension = codes(SNOMED, HYPERTENSION);
        assertThat(ids("{\"mention\": " + hypertension + "}}")).containsExactly("p4");
        assertThat(ids("{\"mention\": " + hypertension + ", \"includeDescendants\": false}}")).isEmpty();
        assertThat(ids("{\"mention\": " + hypertension + ", \"includeNegated\": true}}")).containsExactly("p4", "p5");
        assertThat(ids("{\"mention\": " + codes(SNOMED, DIABETES) + "}}")).isEmpty();
        assertThat(ids("{\"mention\": " + codes(SNOMED, DIABETES) + ", \"includeUncertain\": true}}")).containsExactly("p5");
        assertThat(ids("{\"mention\": " + codes(SNOMED, ASTHMA) + "}}")).isEmpty();
        assertThat(ids("{\"mention\": " + codes(SNOMED, ASTHMA) + ", \"includeOtherExperiencer\": true}}")).containsExactly("p5");
    }

    @Test
    void andOrNot() {
        String hypertension = "{\"condition\": " + codes(SNOMED, HYPERTENSION) + "}}";
        String highSystolic = "{\"observation\": {\"code\": {\"code\": \"" + SYSTOLIC + "\"}, \"min\": 140}}";
        assertThat(ids("{\"and\": [" + hypertension + ", {\"not\": " + highSystolic + "}]}")).containsExactly("p3");
        assertThat(ids("{\"or\": [{\"medication\": " + codes(RXNORM, LISINOPRIL) + "}}, {\"mention\": "
                + codes(SNOMED, HYPERTENSION) + "}}]}")).containsExactly("p1", "p4");
        assertThat(ids("{\"not\": {\"not\": {\"gender\": \"female\"}}}")).containsExactly("p1", "p3", "p6");
        // the deepest nesting and the most queries allowed
        assertThat(ids("{\"not\": ".repeat(15) + "{\"gender\": \"male\"}" + "}".repeat(15))).containsExactly("p1", "p3", "p5", "p6");
        assertThat(ids("{\"or\": [" + String.join(", ", java.util.Collections.nCopies(64, "{\"gender\": \"male\"}")) + "]}"))
                .containsExactly("p2", "p4");
        assertThat(ids("{\"not\": " + hypertension + "}")).containsExactly("p2", "p4", "p5");
        // female and (hypertension with a high systolic, or an appendectomy), and not born 29 February
        assertThat(ids("{\"and\": [{\"gender\": \"female\"}, {\"or\": [{\"and\": [" + hypertension + ", " + highSystolic
                + "]}, {\"procedure\": " + codes(SNOMED, "80146002") + "}}]}, {\"not\": {\"age\": {\"min\": 19, \"max\": 19, \"at\": \"2020-01-01\"}}}]}"))
                .containsExactly("p1", "p3");
    }

    @Test
    void windowsRelativeToTheEarliestIndexEvent() {
        String hypertensionIndex = "\"relativeTo\": {\"index\": " + codes(SNOMED, HYPERTENSION) + "}";
        // lisinopril 22 days after p1's first hypertension (and 334 days before the second)
        assertThat(ids("{\"medication\": " + codes(RXNORM, LISINOPRIL) + ", " + hypertensionIndex + ", \"minDays\": 0, \"maxDays\": 30}}}"))
                .containsExactly("p1");
        assertThat(ids("{\"medication\": " + codes(RXNORM, LISINOPRIL) + ", " + hypertensionIndex + ", \"minDays\": 23}}}")).isEmpty();
        assertThat(ids("{\"medication\": " + codes(RXNORM, LISINOPRIL) + ", " + hypertensionIndex + ", \"maxDays\": 21}}}")).isEmpty();
        // metformin 30 days before p2's diabetes
        String diabetesIndex = "\"relativeTo\": {\"index\": " + codes(SNOMED, DIABETES) + "}";
        assertThat(ids("{\"medication\": " + codes(RXNORM, METFORMIN) + ", " + diabetesIndex + ", \"minDays\": -60, \"maxDays\": 0}}}"))
                .containsExactly("p2");
        assertThat(ids("{\"medication\": " + codes(RXNORM, METFORMIN) + ", " + diabetesIndex + ", \"minDays\": 0}}}")).isEmpty();
        // a high systolic on the day of the index: p1 (p6's is nine years after hers)
        assertThat(ids("{\"observation\": {\"code\": {\"code\": \"" + SYSTOLIC + "\"}, \"min\": 140, " + hypertensionIndex
                + ", \"minDays\": 0, \"maxDays\": 0}}}")).containsExactly("p1");
        assertThat(ids("{\"observation\": {\"code\": {\"code\": \"" + SYSTOLIC + "\"}, \"min\": 140, " + hypertensionIndex
                + ", \"minDays\": 3000}}}")).containsExactly("p6");
        // the index as another event type: the appendectomy 517 days after p3's (descendant) hypertension
        assertThat(ids("{\"condition\": " + codes(SNOMED, HYPERTENSION) + ", \"relativeTo\": {\"index\": " + codes(SNOMED, "80146002")
                + "}, \"indexType\": \"PROCEDURE\", \"minDays\": -517, \"maxDays\": -517}}}")).containsExactly("p3");
    }

    @Test
    void pagesByCursor() {
        String everyone = "{\"not\": {\"gender\": \"unknown\"}}";
        String page = "query($c: CohortCriteria!, $after: String) { cohort(criteria: $c) { count "
                + "patients(first: 4, after: $after) { nodes { id name } endCursor hasNextPage } } }";
        JsonNode first = data(page, "c", json(everyone), "after", null).get("cohort");
        assertThat(first.get("count").asInt()).isEqualTo(6);
        assertThat(first.at("/patients/nodes").findValuesAsText("id")).containsExactly("p1", "p2", "p3", "p4");
        assertThat(first.at("/patients/nodes/0/name").asText()).isEqualTo("Ada One");
        assertThat(first.at("/patients/hasNextPage").asBoolean()).isTrue();
        JsonNode second = data(page, "c", json(everyone), "after", first.at("/patients/endCursor").asText()).get("cohort");
        assertThat(second.at("/patients/nodes").findValuesAsText("id")).containsExactly("p5", "p6");
        assertThat(second.at("/patients/hasNextPage").asBoolean()).isFalse();
        JsonNode past = data(page, "c", json(everyone), "after", second.at("/patients/endCursor").asText()).get("cohort");
        assertThat(past.at("/patients/nodes")).isEmpty();
        assertThat(past.at("/patients/endCursor").isNull()).isTrue();
        // a cursor stays valid in a cohort its patient is not in: the page starts after its key (p3 is no male)
        JsonNode males = data(page, "c", json("{\"gender\": \"male\"}"), "after", cursorOf(everyone, 3)).get("cohort");
        assertThat(males.at("/patients/nodes").findValuesAsText("id")).containsExactly("p4");
        assertThat(data(page, "c", json("{\"gender\": \"male\"}"), "after", cursorOf(everyone, 1)).at("/cohort/patients/nodes")
                .findValuesAsText("id")).containsExactly("p2", "p4");

        assertThat(errorCode(page, "c", json(everyone), "after", "not-a-cursor")).isEqualTo("BAD_ARGUMENT");
        assertThat(errorCode("query($c: CohortCriteria!) { cohort(criteria: $c) { patients(first: 0) { endCursor } } }",
                "c", json(everyone))).isEqualTo("BAD_ARGUMENT");
    }

    /** The endCursor of a page of {@code size} patients of a cohort. */
    private String cursorOf(String criteria, int size) {
        return data("query($c: CohortCriteria!) { cohort(criteria: $c) { patients(first: " + size + ") { endCursor } } }",
                "c", json(criteria)).at("/cohort/patients/endCursor").asText();
    }

    @Test
    void savedAsFhirGroup() throws Exception {
        String criteria = "{\"condition\": " + codes(SNOMED, HYPERTENSION) + "}}";
        JsonNode saved = data("mutation($c: CohortCriteria!) { saveCohort(criteria: $c, name: \"Hypertension\") { id count } }",
                "c", json(criteria)).get("saveCohort");
        assertThat(saved.get("count").asInt()).isEqualTo(3);
        HttpResponse<String> r = HttpClient.newHttpClient().send(authorized(
                URI.create("http://127.0.0.1:" + httpPort + "/fhir/Group/" + saved.get("id").asText()))
                .header("Accept", "application/fhir+json").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode group = JSON.readTree(r.body());
        assertThat(group.get("resourceType").asText()).isEqualTo("Group");
        assertThat(group.get("type").asText()).isEqualTo("person");
        assertThat(group.get("actual").asBoolean()).isTrue();
        assertThat(group.get("name").asText()).isEqualTo("Hypertension");
        assertThat(group.get("quantity").asInt()).isEqualTo(3);
        assertThat(group.get("member").findValuesAsText("reference")).containsExactly("Patient/p1", "Patient/p3", "Patient/p6");
        JsonNode extension = group.get("extension").get(0);
        assertThat(extension.get("url").asText()).isEqualTo("https://caregraph.org/fhir/StructureDefinition/cohort-criteria");
        JsonNode stored = JSON.readTree(extension.get("valueString").asText());
        assertThat(stored.at("/condition/codes/0/code").asText()).isEqualTo(HYPERTENSION);
        assertThat(stored.at("/condition/includeDescendants").asBoolean()).isTrue();
        // the members are linked to the patients like any reference, and the saved criteria give the same cohort again
        assertThat(query("MATCH (:Group {id: $id})-[:ENTITY]->(p:Patient) RETURN p.id AS id ORDER BY id", "id", saved.get("id").asText())
                .stream().map(x -> x.get("id").asString()).toList()).containsExactly("p1", "p3", "p6");
        assertThat(ids(extension.get("valueString").asText())).containsExactly("p1", "p3", "p6");

        assertThat(errorCode("mutation($c: CohortCriteria!) { saveCohort(criteria: $c, name: \" \") { id } }", "c", json(criteria)))
                .isEqualTo("BAD_ARGUMENT");
        assertThat(errorCode("mutation($c: CohortCriteria!) { saveCohort(criteria: $c, name: \"x\") { id } }", "c", json("{}")))
                .isEqualTo("BAD_CRITERIA");
        assertThat(query("MATCH (g:Group) RETURN count(g) AS n").getFirst().get("n").asInt()).isEqualTo(1);
    }

    @Test
    void badCriteriaAreRefusedWithACode() {
        String hypertension = codes(SNOMED, HYPERTENSION);
        Map<String, String> bad = new LinkedHashMap<>();
        bad.put("{}", "sets no field");
        bad.put("{\"gender\": \"male\", \"age\": {\"min\": 1}}", "sets gender, age");
        bad.put("{\"condition\": {\"codes\": []}}", "criteria.condition.codes is empty");
        bad.put("{\"and\": []}", "criteria.and is an empty list");
        bad.put("{\"or\": [{\"gender\": \"female\"}, {}]}", "criteria.or[1] sets no field");
        bad.put("{\"mention\": {\"codes\": [{\"code\": \" \"}]}}", "criteria.mention.codes[0] has no code");
        bad.put("{\"observation\": {\"code\": {\"code\": \"8480-6\"}, \"min\": 150, \"max\": 140}}", "min 150.0 is greater than max 140.0");
        bad.put("{\"age\": {\"min\": 40, \"max\": 30}}", "min 40 is greater than max 30");
        bad.put("{\"age\": {\"min\": 40, \"at\": \"2020-13-01\"}}", "criteria.age.at '2020-13-01' is no ISO date");
        bad.put("{\"age\": {}}", "sets neither min nor max");
        bad.put("{\"condition\": " + hypertension + ", \"from\": \"yesterday\"}}", "criteria.condition.from 'yesterday'");
        bad.put("{\"condition\": " + hypertension + ", \"from\": \"2020-01-01\", \"to\": \"2019-01-01\"}}", "from is not before to");
        bad.put("{\"gender\": \"F\"}", "'F' is no FHIR administrative gender");
        bad.put("{\"condition\": " + hypertension + ", \"relativeTo\": {\"index\": " + hypertension
                + "}, \"minDays\": 10, \"maxDays\": 0}}}", "criteria.condition.relativeTo min 10 is greater than max 0");
        bad.put("{\"condition\": " + hypertension + ", \"relativeTo\": {\"index\": " + hypertension + ", \"relativeTo\": {\"index\": "
                + hypertension + "}}}}}}", "an index event takes no relativeTo");
        bad.put("{\"not\": {\"medication\": {\"codes\": []}}}", "criteria.not.medication.codes is empty");
        bad.put("{\"or\": [" + String.join(", ", java.util.Collections.nCopies(65, "{\"gender\": \"male\"}")) + "]}",
                "need 65 queries; at most 64");
        bad.put("{\"not\": ".repeat(16) + "{\"gender\": \"male\"}" + "}".repeat(16), "nests deeper than 16 levels");
        bad.forEach((criteria, message) -> {
            JsonNode error = graphql(COHORT, "c", json(criteria)).path("errors").get(0);
            assertThat(error).as(criteria).isNotNull();
            assertThat(error.at("/extensions/code").asText()).as(criteria).isEqualTo("BAD_CRITERIA");
            assertThat(error.get("message").asText()).as(criteria).contains(message);
        });
        // what the schema itself refuses never reaches the evaluator
        assertThat(errorCode(COHORT, "c", json("{\"condition\": {\"from\": \"2020-01-01\"}}"))).isEqualTo("GRAPHQL_VALIDATION_FAILED");
        assertThat(errorCode(COHORT, "c", json("{\"shoeSize\": 3}"))).isEqualTo("GRAPHQL_VALIDATION_FAILED");
    }

    @Test
    void conceptSearchOffersTheConceptsEventsOrNotesUse() {
        String q = "query($s: String!, $t: [EventType!], $m: Boolean, $f: Int) "
                + "{ concepts(search: $s, types: $t, mentions: $m, first: $f) { concept { key display } uses } }";
        // Essential hypertension: c1, c1b, c6; hypertensive renal disease: c3
        assertThat(found(data(q, "s", "HyperT", "t", List.of("CONDITION")))).containsExactly(
                SNOMED + "|" + HYPERTENSION + " Essential hypertension 3", SNOMED + "|" + RENAL + " Hypertensive renal disease 1");
        assertThat(found(data(q, "s", "hypert", "t", List.of("MEDICATION")))).isEmpty();
        assertThat(found(data(q, "s", "hypert", "t", List.of("CONDITION"), "f", 1))).hasSize(1);
        // by code, any kind of event
        assertThat(found(data(q, "s", LISINOPRIL))).containsExactly(RXNORM + "|" + LISINOPRIL + " lisinopril 10 MG 1");
        // notes: d4's renal disease, d5's negated hypertension (one mention each: ties by key)
        assertThat(found(data(q, "s", "hypert", "m", true))).containsExactly(
                SNOMED + "|" + RENAL + " Hypertensive renal disease 1", SNOMED + "|" + HYPERTENSION + " Essential hypertension 1");
        assertThat(errorCode(q, "s", " h ")).isEqualTo("BAD_ARGUMENT");
        assertThat(errorCode(q, "s", "hypert", "f", 0)).isEqualTo("BAD_ARGUMENT");
    }

    private static List<String> found(JsonNode data) {
        List<String> out = new ArrayList<>();
        data.get("concepts").forEach(c -> out.add(c.at("/concept/key").asText() + " " + c.at("/concept/display").asText()
                + " " + c.get("uses").asInt()));
        return out;
    }
}
