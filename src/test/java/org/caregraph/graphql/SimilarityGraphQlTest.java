package org.caregraph.graphql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * similarPatients: every answer is checked against an IDF-weighted Jaccard computed here, straight from the sets of
 * codes the population is built from.
 */
class SimilarityGraphQlTest extends GraphQlTest {
    private static final String QUERY = """
            query($id: ID!, $k: Int, $by: [EventType!]) { similarPatients(id: $id, k: $k, by: $by) {
              patient { id name } score shared { concept { key system code display } weight } } }""";
    private static final String SNOMED = Population.SNOMED + "|";
    private static final String RXNORM = Population.RXNORM + "|";

    // what each patient has, by event kind: the population below is built from these and nothing else
    private static final Map<String, List<String>> CONDITIONS = new TreeMap<>(Map.of(
            "a", List.of("38341003", "44054006", "314529007", "38341003"),   // hypertension twice: counted once
            "b", List.of("38341003", "44054006", "314529007"),
            "c", List.of("38341003", "314529007"),
            "d", List.of("314529007", "195967001"),
            "e", List.of("38341003", "44054006", "314529007"),
            "f", List.of("314529007", "195967001"),
            "g", List.of("314529007"),
            "h", List.of()));
    private static final Map<String, List<String>> MEDICATIONS = new TreeMap<>(Map.of(
            "a", List.of("860975", "314076"), "b", List.of("860975"), "c", List.of("314076"), "e", List.of("860975")));
    private static final Map<String, List<String>> PROCEDURES = new TreeMap<>(Map.of(
            "a", List.of("80146002"), "f", List.of("80146002")));
    private static final Map<String, List<String>> OBSERVATIONS = new TreeMap<>(Map.of(
            "a", List.of("8480-6"), "h", List.of("8480-6")));

    @BeforeEach
    void population() {
        Population pop = new Population();
        int n = 0;
        for (String p : CONDITIONS.keySet()) {
            pop.patient(p, n % 2 == 0 ? "female" : "male", "1970-01-0" + (n % 9 + 1), "Given" + p, "Family" + p);
            for (String code : CONDITIONS.get(p)) pop.condition("c" + n++, p, null, code, "condition " + code, "2020-01-01T10:00:00+00:00");
            for (String code : MEDICATIONS.getOrDefault(p, List.of())) {
                pop.medication("m" + n++, p, null, code, "medication " + code, "2020-01-02T10:00:00+00:00", null);
            }
            for (String code : PROCEDURES.getOrDefault(p, List.of())) pop.procedure("x" + n++, p, null, code, "procedure " + code, "2020-01-03T10:00:00+00:00");
            for (String code : OBSERVATIONS.getOrDefault(p, List.of())) {
                pop.observation("o" + n++, p, null, code, "observation " + code, "2020-01-04T10:00:00+00:00", 120, "mm[Hg]");
            }
        }
        // a condition of a patient that is not loaded: its placeholder is no patient, neither in N nor found
        pop.condition("ghost-condition", "ghost", null, "38341003", "condition 38341003", "2020-01-01T10:00:00+00:00");
        load(pop);
    }

    /** Expected answer: IDF Jaccard over the given profiles (patient → concept keys), computed the plain way. */
    private static List<Map.Entry<String, Double>> expected(Map<String, Set<String>> profiles, String id, int k) {
        int n = profiles.size();
        Map<String, Double> scores = new LinkedHashMap<>();
        for (String q : profiles.keySet()) {
            if (q.equals(id)) continue;
            double shared = 0;
            double union = 0;
            Set<String> all = new HashSet<>(profiles.get(id));
            all.addAll(profiles.get(q));
            for (String c : all) {
                double idf = idf(profiles, c, n);
                union += idf;
                if (profiles.get(id).contains(c) && profiles.get(q).contains(c)) shared += idf;
            }
            if (shared > 0) scores.put(q, shared / union);
        }
        return scores.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<String, Double> e) -> -Math.round(e.getValue() * 1e9))
                        .thenComparing(Map.Entry::getKey))
                .limit(k).toList();
    }

    private static double idf(Map<String, Set<String>> profiles, String concept, int n) {
        long df = profiles.values().stream().filter(s -> s.contains(concept)).count();
        return Math.log((double) n / df);
    }

    private static Map<String, Set<String>> profiles(boolean conditions, boolean medications, boolean procedures, boolean observations) {
        Map<String, Set<String>> out = new TreeMap<>();
        for (String p : CONDITIONS.keySet()) {
            Set<String> s = new HashSet<>();
            if (conditions) CONDITIONS.get(p).forEach(c -> s.add(SNOMED + c));
            if (medications) MEDICATIONS.getOrDefault(p, List.of()).forEach(c -> s.add(RXNORM + c));
            if (procedures) PROCEDURES.getOrDefault(p, List.of()).forEach(c -> s.add(SNOMED + c));
            if (observations) OBSERVATIONS.getOrDefault(p, List.of()).forEach(c -> s.add(Population.LOINC + "|" + c));
            out.put(p, s);
        }
        return out;
    }

    private void assertAnswer(JsonNode answer, Map<String, Set<String>> profiles, String id, int k) {
        List<Map.Entry<String, Double>> expected = expected(profiles, id, k);
        assertThat(answer.size()).as("answer for %s: %s", id, answer).isEqualTo(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode got = answer.get(i);
            String q = expected.get(i).getKey();
            assertThat(got.at("/patient/id").asText()).as("rank %d for %s", i, id).isEqualTo(q);
            assertThat(got.at("/patient/name").asText()).isEqualTo("Given" + q + " Family" + q);
            assertThat(got.get("score").asDouble()).isCloseTo(expected.get(i).getValue(), within(1e-9));
            // shared: the intersection, heaviest first, then by key, each weighing its IDF
            List<String> shared = new ArrayList<>(profiles.get(id));
            shared.retainAll(profiles.get(q));
            shared.sort(Comparator.comparing((String c) -> -Math.round(idf(profiles, c, profiles.size()) * 1e9))
                    .thenComparing(c -> c));
            List<String> keys = new ArrayList<>();
            got.get("shared").forEach(s -> keys.add(s.at("/concept/key").asText()));
            assertThat(keys).isEqualTo(shared);
            for (JsonNode s : got.get("shared")) {
                assertThat(s.get("weight").asDouble()).isCloseTo(idf(profiles, s.at("/concept/key").asText(), profiles.size()), within(1e-9));
            }
        }
    }

    @Test
    void everyPatientAgainstTheHandComputedJaccard() {
        Map<String, Set<String>> profiles = profiles(true, true, true, false);
        for (String id : CONDITIONS.keySet()) {
            assertAnswer(data(QUERY, "id", id).get("similarPatients"), profiles, id, 10);
        }
        // the numbers themselves, for one pair: a and b share HT, DM, the common finding and metformin
        double n = 8;
        double ht = Math.log(n / 4), dm = Math.log(n / 3), common = Math.log(n / 7), met = Math.log(n / 3);
        double lis = Math.log(n / 2), appendectomy = Math.log(n / 2);
        JsonNode top = data(QUERY, "id", "b", "k", 1).get("similarPatients");
        assertThat(top.size()).isEqualTo(1);
        assertThat(top.at("/0/patient/id").asText()).as("e has b's profile exactly").isEqualTo("e");
        assertThat(top.at("/0/score").asDouble()).isCloseTo(1.0, within(1e-9));
        JsonNode ab = data(QUERY, "id", "a", "k", 1).get("similarPatients").get(0);
        assertThat(ab.at("/patient/id").asText()).isEqualTo("b");
        assertThat(ab.get("score").asDouble()).isCloseTo((ht + dm + common + met) / (ht + dm + common + met + lis + appendectomy), within(1e-9));
        assertThat(ab.at("/shared/0/concept/display").asText()).isIn("condition 44054006", "medication 860975");
        assertThat(ab.at("/shared/3/concept/key").asText()).isEqualTo(SNOMED + "314529007");
        assertThat(ab.at("/shared/3/concept/code").asText()).isEqualTo("314529007");
        assertThat(ab.at("/shared/3/concept/system").asText()).isEqualTo(Population.SNOMED);
    }

    @Test
    void kindsOfEventAndK() {
        for (String id : List.of("a", "c", "h")) {
            assertAnswer(data(QUERY, "id", id, "by", List.of("OBSERVATION")).get("similarPatients"), profiles(false, false, false, true), id, 10);
            assertAnswer(data(QUERY, "id", id, "by", List.of("MEDICATION", "PROCEDURE")).get("similarPatients"),
                    profiles(false, true, true, false), id, 10);
        }
        assertThat(data(QUERY, "id", "a", "by", List.of("OBSERVATION")).get("similarPatients").size()).isEqualTo(1);
        // no kinds means every kind: here conditions, medications, procedures and observations
        assertAnswer(data(QUERY, "id", "a", "by", List.of()).get("similarPatients"), profiles(true, true, true, true), "a", 10);
        assertThat(data(QUERY, "id", "h").get("similarPatients").size()).as("h has no such events").isZero();
        assertAnswer(data(QUERY, "id", "a", "k", 3).get("similarPatients"), profiles(true, true, true, false), "a", 3);
        assertThat(data(QUERY, "id", "a", "k", 3).get("similarPatients").size()).isEqualTo(3);
    }

    @Test
    void aWriteIsSeenByTheNextQuery() {
        assertThat(data(QUERY, "id", "c").get("similarPatients").findValuesAsText("id")).doesNotContain("c2");
        // a new patient with c's profile, imported without clearing: N and every IDF change with it
        Population more = new Population().patient("c2", "male", "1990-01-01", "Givenc2", "Familyc2")
                .condition("c2-1", "c2", null, "38341003", "condition 38341003", "2021-01-01T10:00:00+00:00")
                .condition("c2-2", "c2", null, "314529007", "condition 314529007", "2021-01-01T10:00:00+00:00")
                .medication("c2-3", "c2", null, "314076", "medication 314076", "2021-01-01T10:00:00+00:00", null);
        assertThat(importPaths(more.write(Path.of("target", "populations"))).failed()).isZero();
        Map<String, Set<String>> profiles = profiles(true, true, true, false);
        profiles.put("c2", Set.of(SNOMED + "38341003", SNOMED + "314529007", RXNORM + "314076"));
        JsonNode answer = data(QUERY, "id", "c").get("similarPatients");
        assertThat(answer.at("/0/patient/id").asText()).isEqualTo("c2");
        assertAnswer(answer, profiles, "c", 10);
        assertAnswer(data(QUERY, "id", "a").get("similarPatients"), profiles, "a", 10);
    }

    @Test
    void errors() {
        assertThat(errorCode(QUERY, "id", "nobody")).isEqualTo("NOT_FOUND");
        assertThat(errorCode(QUERY, "id", "ghost")).as("a placeholder is no patient").isEqualTo("NOT_FOUND");
        assertThat(errorCode(QUERY, "id", "a", "k", 0)).isEqualTo("BAD_ARGUMENT");
        assertThat(errorCode(QUERY, "id", "a", "k", 101)).isEqualTo("BAD_ARGUMENT");
        assertThat(errorCode(QUERY, "id", "a", "by", List.of("DIET"))).isEqualTo("GRAPHQL_VALIDATION_FAILED");
        assertThat(data(QUERY, "id", "a", "k", 100).get("similarPatients").size()).as("all but a and h").isEqualTo(6);
    }
}
