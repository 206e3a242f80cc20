package org.caregraph.nlp;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.caregraph.nlp.Mention.Category;

/**
 * How much of what a note's encounter carries in structured form the pipeline recovers from the note's text.
 * Gold: the concept keys of the Conditions (Condition.code) and medications (MedicationRequest; the
 * MedicationAdministration Synthea writes for a drug given on the spot; Immunization) whose encounter is the note's. Predicted: the
 * concept keys of the note's MEDICAL_CONDITION and MEDICATION mentions that pass a filter, each mention counting its
 * best-scoring linked concepts; a mention linked to no concept predicts nothing and is counted apart. Recovered = the
 * same key in both sets of the same note (micro-averaged over notes). Three filters are scored, each narrower:
 * "affirmed" (not negated, the patient's); "affirmedCurrent" (also neither historical nor hypothetical: a note names
 * the patient's past conditions too, which its encounter does not carry); "encounterEvents" ({@link
 * Mention#encounterEvent()}, the mentions resources are derived from: also certain, not in a medication-list section
 * — such a list is what the patient takes, mostly prescribed at earlier encounters — and neither a symptom the patient
 * reports (Synthea repeats the patient's standing symptoms under "# Chief Complaint" in every note) nor an allergy or
 * an allergen (Synthea's allergies are AllergyIntolerance resources, not Conditions or medications)).
 */
public final class SyntheaEvaluation {

    private static final int TOP_FALSE_POSITIVES = 10;

    /** Where a predicted concept was first mentioned: the mention's section ("none" outside one) and text. */
    private record Source(String section, String text) {
    }

    static final class Counts {
        long tp, fp, fn;
        /** Where the false positives were: the section of the mention that predicted them. */
        final Map<String, Long> fpSections = new java.util.TreeMap<>();
        /** What the false positives were: the text of the mention that predicted them. */
        final Map<String, Long> fpTexts = new java.util.HashMap<>();

        Map<String, Object> toMap() {
            double p = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
            double r = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tp", tp);
            m.put("fp", fp);
            m.put("fn", fn);
            m.put("precision", round(p));
            m.put("recall", round(r));
            m.put("f1", round(p + r == 0 ? 0 : 2 * p * r / (p + r)));
            if (!fpSections.isEmpty()) m.put("falsePositivesBySection", fpSections);
            if (!fpTexts.isEmpty()) {
                Map<String, Long> top = new LinkedHashMap<>();
                fpTexts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                        .thenComparing(Map.Entry.comparingByKey())).limit(TOP_FALSE_POSITIVES)
                        .forEach(e -> top.put(e.getKey(), e.getValue()));
                m.put("commonFalsePositives", top);
            }
            return m;
        }
    }

    private static final Map<String, Predicate<Mention>> FILTERS = new LinkedHashMap<>();

    static {
        Predicate<Mention> affirmed = m -> !m.negated() && m.experiencer() == Mention.Experiencer.PATIENT;
        FILTERS.put("affirmed", affirmed);
        Predicate<Mention> current = affirmed.and(m -> m.temporality() == Mention.Temporality.CURRENT);
        FILTERS.put("affirmedCurrent", current);
        FILTERS.put("encounterEvents", Mention::encounterEvent);
    }

    private SyntheaEvaluation() {
    }

    public static Map<String, Object> evaluate(SyntheaCorpus corpus, NoteAnalyzer analyzer) {
        Map<String, Map<Category, Counts>> counts = new LinkedHashMap<>();
        FILTERS.keySet().forEach(f -> counts.put(f, new EnumMap<>(Map.of(Category.MEDICAL_CONDITION, new Counts(),
                Category.MEDICATION, new Counts()))));
        long unlinked = 0;
        long mentions = 0;
        for (SyntheaCorpus.Note note : corpus.notes()) {
            List<Mention> found = analyzer.analyze(note.text());
            mentions += found.size();
            for (Mention m : found) {
                if (m.concepts().isEmpty() && (m.category() == Category.MEDICAL_CONDITION || m.category() == Category.MEDICATION)) {
                    unlinked++;
                }
            }
            for (var f : FILTERS.entrySet()) {
                Map<Category, Counts> c = counts.get(f.getKey());
                score(c.get(Category.MEDICAL_CONDITION), note.conditions(), predicted(found, Category.MEDICAL_CONDITION, f.getValue()));
                score(c.get(Category.MEDICATION), note.medications(), predicted(found, Category.MEDICATION, f.getValue()));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bundles", corpus.files());
        out.put("notes", corpus.notes().size());
        out.put("rejectedResources", corpus.rejected());
        out.put("mentions", mentions);
        out.put("unlinkedConditionOrMedicationMentions", unlinked);
        out.put("version", analyzer.version());
        for (var e : counts.entrySet()) {
            Counts all = new Counts();
            Map<String, Object> block = new LinkedHashMap<>();
            for (var c : e.getValue().entrySet()) {
                all.tp += c.getValue().tp;
                all.fp += c.getValue().fp;
                all.fn += c.getValue().fn;
                block.put(c.getKey().name(), c.getValue().toMap());
            }
            block.put("micro", all.toMap());
            out.put(e.getKey(), block);
        }
        return out;
    }

    /**
     * The best-scoring concepts of each mention of {@code category} that passes {@code filter}, each with the section
     * and text of its first mention.
     */
    private static Map<String, Source> predicted(List<Mention> mentions, Category category, Predicate<Mention> filter) {
        Map<String, Source> keys = new LinkedHashMap<>();
        for (Mention m : mentions) {
            if (m.category() != category || !filter.test(m) || m.concepts().isEmpty()) continue;
            double best = m.concepts().getFirst().score();
            m.concepts().stream().filter(c -> c.score() == best)
                    .forEach(c -> keys.putIfAbsent(c.key(),
                            new Source(m.section() == null ? "none" : m.section(), m.text().toLowerCase(java.util.Locale.ROOT))));
        }
        return keys;
    }

    private static void score(Counts c, Set<String> gold, Map<String, Source> predicted) {
        for (var k : predicted.entrySet()) {
            if (gold.contains(k.getKey())) {
                c.tp++;
            } else {
                c.fp++;
                c.fpSections.merge(k.getValue().section(), 1L, Long::sum);
                c.fpTexts.merge(k.getValue().text(), 1L, Long::sum);
            }
        }
        for (String k : gold) {
            if (!predicted.containsKey(k)) c.fn++;
        }
    }

    private static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }
}
