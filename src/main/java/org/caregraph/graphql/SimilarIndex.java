package org.caregraph.graphql;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The patients' concept profiles in memory, with each concept's IDF and an inverted index (concept → patients), so
 * that the IDF-weighted Jaccard of one patient against all others costs only the postings of its own concepts.
 * Immutable; {@code generation} is the writer generation it was read at (see {@link SimilarProfiles}).
 */
final class SimilarIndex {
    /** One similar patient: its id, the score and the shared concepts (keys with their IDF), heaviest first. */
    record Match(String id, double score, List<Shared> shared) {
    }

    record Shared(String key, double weight) {
    }

    private final long generation;
    private final String[] ids;
    private final Map<String, Integer> row = new HashMap<>();
    private final String[] concepts;
    private final double[] idf;
    private final int[][] profiles;   // per patient: concept numbers, ascending
    private final int[][] postings;   // per concept: patient numbers
    private final double[] mass;      // per patient: sum of its concepts' IDF

    /** {@code profiles}: patient id → distinct concept keys; every patient of the population is a key (N = its size). */
    SimilarIndex(long generation, Map<String, List<String>> byPatient) {
        this.generation = generation;
        ids = byPatient.keySet().toArray(String[]::new);
        Arrays.sort(ids);
        Map<String, Integer> number = new HashMap<>();
        List<String> keys = new ArrayList<>();
        profiles = new int[ids.length][];
        for (int p = 0; p < ids.length; p++) {
            row.put(ids[p], p);
            profiles[p] = byPatient.get(ids[p]).stream().distinct()
                    .mapToInt(k -> number.computeIfAbsent(k, x -> { keys.add(x); return keys.size() - 1; }))
                    .sorted().toArray();
        }
        concepts = keys.toArray(String[]::new);
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

    long generation() {
        return generation;
    }

    boolean contains(String id) {
        return row.containsKey(id);
    }

    /**
     * The {@code k} patients most similar to {@code id}: score = Σ idf(shared) / Σ idf(union), desc, ties by id; the
     * patient itself and scores of 0 left out.
     */
    List<Match> nearest(String id, int k) {
        int p = row.get(id);
        double[] shared = new double[ids.length];
        for (int c : profiles[p]) for (int q : postings[c]) shared[q] += idf[c];
        List<Match> found = new ArrayList<>();
        for (int q = 0; q < ids.length; q++) {
            if (q == p || shared[q] <= 0) continue;
            // rounded so that equal scores reached by different summation orders tie (and then sort by id)
            double score = Math.round(shared[q] / (mass[p] + mass[q] - shared[q]) * 1e12) / 1e12;
            if (score > 0) found.add(new Match(ids[q], score, null));
        }
        found.sort(Comparator.comparingDouble(Match::score).reversed().thenComparing(Match::id));
        return found.stream().limit(k).map(m -> new Match(m.id(), m.score(), shared(p, row.get(m.id())))).toList();
    }

    /** The concepts both profiles hold, by IDF desc then key. */
    private List<Shared> shared(int p, int q) {
        List<Shared> out = new ArrayList<>();
        int[] a = profiles[p];
        int[] b = profiles[q];
        for (int i = 0, j = 0; i < a.length && j < b.length; ) {
            if (a[i] == b[j]) {
                out.add(new Shared(concepts[a[i]], idf[a[i]]));
                i++;
                j++;
            } else if (a[i] < b[j]) i++;
            else j++;
        }
        out.sort(Comparator.comparingDouble(Shared::weight).reversed().thenComparing(Shared::key));
        return out;
    }
}
