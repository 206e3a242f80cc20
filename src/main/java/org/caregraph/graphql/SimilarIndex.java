package org.caregraph.graphql;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.caregraph.graphql.PatientController.PatientView;
import org.caregraph.graphql.SimilarityController.ConceptView;
import org.caregraph.graphql.SimilarityController.SharedConcept;
import org.caregraph.graphql.SimilarityController.SimilarPatient;

/**
 * The patients' concept profiles in memory, with each concept's IDF and an inverted index (concept → patients), so
 * that the IDF-weighted Jaccard of one patient against all others costs only the postings of its own concepts. The
 * patients' demographics and the concepts are kept too: an answer needs no further read. Immutable; {@code generation}
 * is the writer generation it was read at (see {@link SimilarProfiles}).
 */
final class SimilarIndex {
    /** A patient of the population with the distinct concepts of its profile. */
    record Profile(PatientView patient, List<ConceptView> concepts) {
    }

    private final long generation;
    private final long builtAt = System.nanoTime();
    private final String[] ids;
    private final PatientView[] patients;
    private final Map<String, Integer> row = new HashMap<>();
    private final ConceptView[] concepts;
    private final double[] idf;
    private final int[][] profiles;   // per patient: concept numbers, ascending
    private final int[][] postings;   // per concept: patient numbers
    private final double[] mass;      // per patient: sum of its concepts' IDF

    /** {@code population}: every patient (N is its size), each once. */
    SimilarIndex(long generation, List<Profile> population) {
        this.generation = generation;
        List<Profile> byId = new ArrayList<>(population);
        byId.sort(Comparator.comparing(p -> p.patient().id()));
        ids = new String[byId.size()];
        patients = new PatientView[byId.size()];
        Map<String, Integer> number = new HashMap<>();
        List<ConceptView> known = new ArrayList<>();
        profiles = new int[ids.length][];
        for (int p = 0; p < ids.length; p++) {
            patients[p] = byId.get(p).patient();
            ids[p] = patients[p].id();
            row.put(ids[p], p);
            profiles[p] = byId.get(p).concepts().stream()
                    .mapToInt(c -> number.computeIfAbsent(c.key(), x -> { known.add(c); return known.size() - 1; }))
                    .distinct().sorted().toArray();
        }
        concepts = known.toArray(ConceptView[]::new);
        int[] df = new int[concepts.length];
        for (int[] profile : profiles) for (int c : profile) df[c]++;
        postings = new int[concepts.length][];
        for (int c = 0; c < concepts.length; c++) postings[c] = new int[df[c]];
        int[] fill = new int[concepts.length];
        for (int p = 0; p < ids.length; p++) for (int c : profiles[p]) postings[c][fill[c]++] = p;
        idf = new double[concepts.length];
        for (int c = 0; c < concepts.length; c++) idf[c] = Math.log((double) ids.length / df[c]);
        mass = new double[ids.length];
        for (int p = 0; p < ids.length; p++) for (int c : profiles[p]) mass[p] += idf[c];
    }

    /** Still the graph's answer: read at the writer's current generation, and not older than {@code maxAgeNanos}. */
    boolean current(long writerGeneration, long maxAgeNanos) {
        return generation == writerGeneration && System.nanoTime() - builtAt <= maxAgeNanos;
    }

    boolean contains(String id) {
        return row.containsKey(id);
    }

    /**
     * The {@code k} patients most similar to {@code id}: score = Σ idf(shared) / Σ idf(union), desc, ties by id; the
     * patient itself and scores of 0 left out.
     */
    /** The {@code k} nearest patients to {@code id} among those {@code visible} admits (by Patient key). */
    List<SimilarPatient> nearest(String id, int k, java.util.function.Predicate<String> visible) {
        int p = row.get(id);
        double[] shared = new double[ids.length];
        for (int c : profiles[p]) for (int q : postings[c]) shared[q] += idf[c];
        record Scored(int q, double score) {
        }
        List<Scored> found = new ArrayList<>();
        for (int q = 0; q < ids.length; q++) {
            if (q == p || shared[q] <= 0 || !visible.test(patients[q].key())) continue;
            // rounded so that equal scores reached by different summation orders tie (and then sort by id)
            double score = Math.round(shared[q] / (mass[p] + mass[q] - shared[q]) * 1e12) / 1e12;
            if (score > 0) found.add(new Scored(q, score));
        }
        // ids are sorted, so the row number orders ties by id
        found.sort(Comparator.comparingDouble(Scored::score).reversed().thenComparingInt(Scored::q));
        return found.stream().limit(k).map(s -> new SimilarPatient(patients[s.q()], s.score(), shared(p, s.q()))).toList();
    }

    /** The concepts both profiles hold, by IDF desc then key. */
    private List<SharedConcept> shared(int p, int q) {
        List<SharedConcept> out = new ArrayList<>();
        int[] a = profiles[p];
        int[] b = profiles[q];
        for (int i = 0, j = 0; i < a.length && j < b.length; ) {
            if (a[i] == b[j]) {
                out.add(new SharedConcept(concepts[a[i]], idf[a[i]]));
                i++;
                j++;
            } else if (a[i] < b[j]) i++;
            else j++;
        }
        out.sort(Comparator.comparingDouble(SharedConcept::weight).reversed().thenComparing(s -> s.concept().key()));
        return out;
    }
}
