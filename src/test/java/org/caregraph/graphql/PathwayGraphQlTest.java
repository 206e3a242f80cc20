package org.caregraph.graphql;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * pathways(start, ...): a hand-built cohort whose nodes, links, medians and sequences are worked out by hand below.
 *
 * <pre>
 * index D = hypertension; A = amlodipine, B = lisinopril (RxNorm, key of A sorts before B); P = a procedure;
 * C = diabetes. Days after each patient's index event:
 *   p1: D 0, observation 1 and encounter 2 (not asked types), A 10, P 30, B 60          path A P B
 *   p2: D 0, A 20, P 40, A 50 (repeat), B 100                                             path A P B
 *   p3: D 0, A 5 (written at +02:00), B 15, P 400 (outside the window)                    path A B
 *   p4: D 0, P 7, C 9, D 100 (start concept again: left out)                              path P C
 *   p5: P -30 (before the index), D 0, B 0 (same instant: not strictly after)             path (none)
 *   p6: no D; C, then A 10 days later and P 20 days later                                 not in the cohort
 *   p7: D 0, B 3 and A 3 (tie: A by key), P 12, C 20 (a fourth step)                      path A B P
 * </pre>
 */
class PathwayGraphQlTest extends GraphQlTest {
    private static final String D = "59621000";
    private static final String A = "197361";
    private static final String B = "314076";
    private static final String P = "710824005";
    private static final String C = "44054006";
    private static final String SN = Population.SNOMED + "|";
    private static final String RX = Population.RXNORM + "|";
    private static final DateTimeFormatter FHIR = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");
    // node ids: step:EVENT_TYPE:concept key
    private static final String D0 = "0:CONDITION:" + SN + D;
    private static final String C0 = "0:CONDITION:" + SN + C;
    private static final String A1 = "1:MEDICATION:" + RX + A;
    private static final String B1 = "1:MEDICATION:" + RX + B;
    private static final String P1 = "1:PROCEDURE:" + SN + P;
    private static final String B2 = "2:MEDICATION:" + RX + B;
    private static final String P2 = "2:PROCEDURE:" + SN + P;
    private static final String C2 = "2:CONDITION:" + SN + C;
    private static final String B3 = "3:MEDICATION:" + RX + B;
    private static final String P3 = "3:PROCEDURE:" + SN + P;

    private int serial;

    @BeforeEach
    void population() {
        Population pop = new Population();
        for (String p : List.of("p1", "p2", "p3", "p4", "p5", "p6", "p7")) pop.patient(p, "female", "1960-01-01", p, "Test");
        day0("p1", "2020-01-10T09:00:00Z", pop);
        pop.observation("o1", "p1", null, "8480-6", "Systolic blood pressure", at("2020-01-10T09:00:00Z", 1), 150, "mm[Hg]");
        pop.encounter("e1", "p1", at("2020-01-10T09:00:00Z", 2), null, null);
        med(pop, "p1", A, "2020-01-10T09:00:00Z", 10);
        proc(pop, "p1", "2020-01-10T09:00:00Z", 30);
        med(pop, "p1", B, "2020-01-10T09:00:00Z", 60);

        day0("p2", "2019-05-01T12:00:00+01:00", pop);
        med(pop, "p2", A, "2019-05-01T12:00:00+01:00", 20);
        proc(pop, "p2", "2019-05-01T12:00:00+01:00", 40);
        med(pop, "p2", A, "2019-05-01T12:00:00+01:00", 50);
        med(pop, "p2", B, "2019-05-01T12:00:00+01:00", 100);

        day0("p3", "2021-03-01T00:00:00Z", pop);
        pop.medication("m-p3-offset", "p3", null, A, "amlodipine", "2021-03-06T02:00:00+02:00", null);
        med(pop, "p3", B, "2021-03-01T00:00:00Z", 15);
        proc(pop, "p3", "2021-03-01T00:00:00Z", 400);

        day0("p4", "2018-07-01T08:00:00Z", pop);
        proc(pop, "p4", "2018-07-01T08:00:00Z", 7);
        cond(pop, "p4", C, "2018-07-01T08:00:00Z", 9);
        cond(pop, "p4", D, "2018-07-01T08:00:00Z", 100);

        proc(pop, "p5", "2022-02-01T10:00:00Z", -30);
        day0("p5", "2022-02-01T10:00:00Z", pop);
        med(pop, "p5", B, "2022-02-01T10:00:00Z", 0);

        cond(pop, "p6", C, "2020-03-01T00:00:00Z", 0);
        med(pop, "p6", A, "2020-03-01T00:00:00Z", 10);
        proc(pop, "p6", "2020-03-01T00:00:00Z", 20);

        day0("p7", "2020-06-01T00:00:00Z", pop);
        med(pop, "p7", B, "2020-06-01T00:00:00Z", 3);
        med(pop, "p7", A, "2020-06-01T00:00:00Z", 3);
        proc(pop, "p7", "2020-06-01T00:00:00Z", 12);
        cond(pop, "p7", C, "2020-06-01T00:00:00Z", 20);
        load(pop);
    }

    @Test
    void defaultsGiveTheSankeyOfTheFrequentPaths() {
        JsonNode r = pathways(List.of(Map.of("code", D)));
        assertThat(r.get("cohortSize").asInt()).isEqualTo(6);
        // minSupport 2 drops 1:P (p4), 2:C (p4), 3:P (p7)
        assertThat(nodes(r)).containsExactly(D0 + " 6 100.0", A1 + " 4 66.67", B2 + " 2 33.33", P2 + " 2 33.33", B3 + " 2 33.33");
        JsonNode index = r.get("nodes").get(0);
        assertThat(index.get("step").asInt()).isZero();
        assertThat(index.get("concept").get("code").asText()).isEqualTo(D);
        assertThat(index.get("concept").get("display").asText()).isEqualTo("Essential hypertension");
        // D→A: days 10, 20, 5, 3 → median 7.5; A→B: 10, 0 → 5; A→P: 20, 20; P→B: 30, 60 → 45
        assertThat(links(r)).containsExactly(D0 + ">" + A1 + " 4 66.67 7.5", A1 + ">" + B2 + " 2 33.33 5.0",
                A1 + ">" + P2 + " 2 33.33 20.0", P2 + ">" + B3 + " 2 33.33 45.0");
        // every other whole path is one patient's
        assertThat(sequences(r)).containsExactly(seq(D, A, P, B) + " 2 33.33");
    }

    @Test
    void everyPathWithMinSupportOneAndTiesByConceptKey() {
        JsonNode r = pathways(List.of(Map.of("system", Population.SNOMED, "code", D)), "min", 1, "top", 4);
        assertThat(nodes(r)).containsExactly(D0 + " 6 100.0", A1 + " 4 66.67", P1 + " 1 16.67", B2 + " 2 33.33",
                P2 + " 2 33.33", C2 + " 1 16.67", B3 + " 2 33.33", P3 + " 1 16.67");
        assertThat(links(r)).contains(D0 + ">" + P1 + " 1 16.67 7.0", P1 + ">" + C2 + " 1 16.67 2.0",
                B2 + ">" + P3 + " 1 16.67 9.0").hasSize(7);
        // ties of one patient: the index alone first (a prefix), then by the keys (snomed before rxnorm)
        assertThat(sequences(r)).containsExactly(seq(D, A, P, B) + " 2 33.33", seq(D) + " 1 16.67",
                seq(D, P, C) + " 1 16.67", seq(D, A, B) + " 1 16.67");
    }

    @Test
    void windowIsInclusiveAndStepsCutThePath() {
        // 7 days: p3 A at day 5 (given at +02:00), p7 A at day 3, p4 P at day 7 exactly; p1, p2 have nothing that early
        JsonNode r = pathways(List.of(Map.of("code", D)), "steps", 1, "window", 7, "min", 1);
        assertThat(nodes(r)).containsExactly(D0 + " 6 100.0", A1 + " 2 33.33", P1 + " 1 16.67");
        assertThat(links(r)).containsExactly(D0 + ">" + A1 + " 2 33.33 4.0", D0 + ">" + P1 + " 1 16.67 7.0");
        assertThat(sequences(r)).containsExactly(seq(D) + " 3 50.0", seq(D, A) + " 2 33.33", seq(D, P) + " 1 16.67");
    }

    @Test
    void aLongWindowReachesLaterEvents() {
        // p3's P at day 400 becomes its third step: 3:P and B→P reach 2 patients (p7 9 days, p3 385 days)
        JsonNode r = pathways(List.of(Map.of("code", D)), "window", 2_000_000_000);
        assertThat(nodes(r)).containsExactly(D0 + " 6 100.0", A1 + " 4 66.67", B2 + " 2 33.33", P2 + " 2 33.33",
                B3 + " 2 33.33", P3 + " 2 33.33");
        assertThat(links(r)).containsExactly(D0 + ">" + A1 + " 4 66.67 7.5", A1 + ">" + B2 + " 2 33.33 5.0",
                A1 + ">" + P2 + " 2 33.33 20.0", B2 + ">" + P3 + " 2 33.33 197.0", P2 + ">" + B3 + " 2 33.33 45.0");
        // a tie of 2: snomed P before rxnorm B at the third concept
        assertThat(sequences(r)).containsExactly(seq(D, A, P, B) + " 2 33.33", seq(D, A, B, P) + " 2 33.33");
    }

    @Test
    void eventTypesChooseTheFollowingEvents() {
        // procedures only: p1 30, p2 40, p4 7, p7 12 (p3's is outside the window, p5's before the index)
        JsonNode r = pathways(List.of(Map.of("code", D)), "types", List.of("PROCEDURE"));
        assertThat(nodes(r)).containsExactly(D0 + " 6 100.0", P1 + " 4 66.67");
        assertThat(links(r)).containsExactly(D0 + ">" + P1 + " 4 66.67 21.0");
        assertThat(sequences(r)).containsExactly(seq(D, P) + " 4 66.67", seq(D) + " 2 33.33");
    }

    @Test
    void severalStartConceptsTakeEachPatientsEarliest() {
        // p4's C follows its D, so it stays D's and C is no following event; p6 joins by C
        JsonNode r = pathways(List.of(Map.of("code", D), Map.of("code", C)), "steps", 1, "min", 1);
        assertThat(r.get("cohortSize").asInt()).isEqualTo(7);
        assertThat(nodes(r)).containsExactly(D0 + " 6 85.71", C0 + " 1 14.29", A1 + " 5 71.43", P1 + " 1 14.29");
        assertThat(links(r)).containsExactly(D0 + ">" + A1 + " 4 57.14 7.5", C0 + ">" + A1 + " 1 14.29 10.0",
                D0 + ">" + P1 + " 1 14.29 7.0");
    }

    @Test
    void offsetsAreComparedAsInstants() {
        // q1's index is at 2020-01-09T10:30Z, written +14:00; its A is 30 minutes later yet on a local date two days
        // earlier (-12:00), its P a minute before the index. q2's index is at 2020-01-10T23:00Z, written -12:00; its B
        // is exactly one day later on a local date two days later (+14:00), its P a minute after the window.
        load(new Population().patient("q1", "male", "1970-01-01", "Q", "One").patient("q2", "male", "1970-01-01", "Q", "Two")
                .condition("qc1", "q1", null, D, "Essential hypertension", "2020-01-10T00:30:00+14:00")
                .medication("qm1", "q1", null, A, "amlodipine", "2020-01-08T23:00:00-12:00", null)
                .procedure("qp1", "q1", null, P, "Assessment of care needs", "2020-01-08T22:29:00-12:00")
                .condition("qc2", "q2", null, D, "Essential hypertension", "2020-01-10T11:00:00-12:00")
                .medication("qm2", "q2", null, B, "lisinopril", "2020-01-12T13:00:00+14:00", null)
                .procedure("qp2", "q2", null, P, "Assessment of care needs", "2020-01-12T13:01:00+14:00"));
        JsonNode r = pathways(List.of(Map.of("code", D)), "window", 1, "min", 1);
        assertThat(nodes(r)).containsExactly(D0 + " 2 100.0", A1 + " 1 50.0", B1 + " 1 50.0");
        // 30 minutes = 0.0208 days
        assertThat(links(r)).containsExactly(D0 + ">" + A1 + " 1 50.0 0.02", D0 + ">" + B1 + " 1 50.0 1.0");
        assertThat(sequences(r)).containsExactly(seq(D, A) + " 1 50.0", seq(D, B) + " 1 50.0");
    }

    @Test
    void unknownStartIsAnEmptyCohort() {
        for (Map<String, String> start : List.of(Map.of("code", "0000000"), Map.of("system", Population.LOINC, "code", D))) {
            JsonNode r = pathways(List.of(start));
            assertThat(r.get("cohortSize").asInt()).isZero();
            assertThat(r.get("nodes")).isEmpty();
            assertThat(r.get("links")).isEmpty();
            assertThat(r.get("sequences")).isEmpty();
        }
    }

    @Test
    void aCohortConfinesThePathwayToItsMembers() {
        // lisinopril (B): p1, p2, p3, p5, p7 (p4 never has it, p6 has no index event)
        JsonNode r = pathways(List.of(Map.of("code", D)), "min", 1, "cohort", Map.of("medication", Map.of("codes", List.of(Map.of("code", B)))));
        assertThat(r.get("cohortSize").asInt()).isEqualTo(5);
        assertThat(nodes(r)).startsWith(D0 + " 5 100.0", A1 + " 4 80.0").noneMatch(n -> n.startsWith(P1));
        assertThat(errorCode(pathwaysQuery("cohort"), "start", List.of(Map.of("code", D)), "cohort", Map.of("gender", "F")))
                .isEqualTo("BAD_CRITERIA");
    }

    @Test
    void badArgumentsAreRefusedWithACode() {
        List<Map<String, String>> d = List.of(Map.of("code", D));
        assertThat(errorCode(pathwaysQuery(), "start", List.of())).isEqualTo("BAD_ARGUMENT");
        assertThat(errorCode(pathwaysQuery(), "start", List.of(Map.of("code", " ")))).isEqualTo("BAD_ARGUMENT");
        for (Object[] bad : List.of(new Object[] {"steps", 0}, new Object[] {"steps", 11}, new Object[] {"window", 0},
                new Object[] {"min", 0}, new Object[] {"top", 0}, new Object[] {"top", 101})) {
            assertThat(errorCode(pathwaysQuery(bad[0]), "start", d, bad[0], bad[1])).as("%s %s", bad).isEqualTo("BAD_ARGUMENT");
        }
        assertThat(errorCode("{ pathways(start: [{code: \"1\"}], steps: null) { cohortSize } }")).isEqualTo("BAD_ARGUMENT");
        assertThat(errorCode(pathwaysQuery("types"), "start", d, "types", List.of("SURGERY"))).isEqualTo("GRAPHQL_VALIDATION_FAILED");
    }

    /** The pathways answer; variables not given keep the schema's defaults. */
    private JsonNode pathways(List<Map<String, String>> start, Object... more) {
        List<Object> vars = new ArrayList<>(List.of("start", start));
        vars.addAll(List.of(more));
        List<Object> names = new ArrayList<>();
        for (int i = 0; i < more.length; i += 2) names.add(more[i]);
        return data(pathwaysQuery(names.toArray()), vars.toArray()).get("pathways");
    }

    /** The pathways query taking $start and the named variables (types, steps, window, min, top). */
    private static String pathwaysQuery(Object... variables) {
        Map<String, String[]> known = Map.of("types", new String[] {"[EventType!]", "eventTypes"},
                "steps", new String[] {"Int", "steps"}, "window", new String[] {"Int", "windowDays"},
                "min", new String[] {"Int", "minSupport"}, "top", new String[] {"Int", "top"},
                "cohort", new String[] {"CohortCriteria", "cohort"});
        StringBuilder q = new StringBuilder("query($start: [ConceptInput!]!");
        StringBuilder args = new StringBuilder("start: $start");
        for (Object v : variables) {
            String[] k = known.get((String) v);
            q.append(", $").append(v).append(": ").append(k[0]);
            args.append(", ").append(k[1]).append(": $").append(v);
        }
        return q + ") { pathways(" + args + ") { cohortSize "
                + "nodes { id step concept { key code display } eventType patients percent } "
                + "links { source target patients percent medianDays } sequences { concepts { key } patients percent } } }";
    }

    private static List<String> nodes(JsonNode r) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : r.get("nodes")) {
            assertThat(n.get("id").asText()).isEqualTo(n.get("step").asInt() + ":" + n.get("eventType").asText() + ":"
                    + n.get("concept").get("key").asText());
            out.add(n.get("id").asText() + " " + n.get("patients").asInt() + " " + n.get("percent").asDouble());
        }
        return out;
    }

    private static List<String> links(JsonNode r) {
        List<String> out = new ArrayList<>();
        for (JsonNode l : r.get("links")) {
            out.add(l.get("source").asText() + ">" + l.get("target").asText() + " " + l.get("patients").asInt() + " "
                    + l.get("percent").asDouble() + " " + l.get("medianDays").asDouble());
        }
        return out;
    }

    private static List<String> sequences(JsonNode r) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : r.get("sequences")) {
            List<String> keys = new ArrayList<>();
            s.get("concepts").forEach(c -> keys.add(c.get("key").asText()));
            out.add(String.join(",", keys) + " " + s.get("patients").asInt() + " " + s.get("percent").asDouble());
        }
        return out;
    }

    /** A sequence as sequences() renders it: the concept keys of these codes, comma-separated. */
    private static String seq(String... codes) {
        List<String> keys = new ArrayList<>();
        for (String code : codes) keys.add((code.equals(A) || code.equals(B) ? RX : SN) + code);
        return String.join(",", keys);
    }

    private void day0(String patient, String base, Population pop) {
        cond(pop, patient, D, base, 0);
    }

    private void cond(Population pop, String patient, String code, String base, int days) {
        pop.condition("c" + ++serial, patient, null, code, code.equals(D) ? "Essential hypertension" : "Diabetes", at(base, days));
    }

    private void med(Population pop, String patient, String code, String base, int days) {
        pop.medication("m" + ++serial, patient, null, code, code.equals(A) ? "amlodipine" : "lisinopril", at(base, days), null);
    }

    private void proc(Population pop, String patient, String base, int days) {
        pop.procedure("pr" + ++serial, patient, null, P, "Assessment of care needs", at(base, days));
    }

    private static String at(String base, int days) {
        return OffsetDateTime.parse(base).plusDays(days).format(FHIR);
    }
}
