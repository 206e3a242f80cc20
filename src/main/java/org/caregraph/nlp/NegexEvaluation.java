package org.caregraph.nlp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scores the engine on a NegEx-format TSV (header line, then: line, condition, sentence, negation status
 * Negated/Affirmed/Possible, temporality Recent/Historical/Not particular, experiencer Patient/Other/Family member).
 * Negation is scored as binary detection (positive = Negated); temporality and experiencer as accuracy, with
 * hypothetical predicted as "Not particular" and any non-patient experiencer counted as one class.
 */
public final class NegexEvaluation {

    private final ContextEngine engine;

    public NegexEvaluation(ContextEngine engine) {
        this.engine = engine;
    }

    public record Result(int n, int tp, int fp, int fn, int tn, int possible, int temporalityCorrect, int experiencerCorrect,
                         int missingCondition) {

        public double precision() {
            return tp + fp == 0 ? 0 : (double) tp / (tp + fp);
        }

        public double recall() {
            return tp + fn == 0 ? 0 : (double) tp / (tp + fn);
        }

        public double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        }

        public Map<String, Object> toMap() {
            Map<String, Object> negation = new LinkedHashMap<>();
            negation.put("tp", tp);
            negation.put("fp", fp);
            negation.put("fn", fn);
            negation.put("tn", tn);
            negation.put("precision", round(precision()));
            negation.put("recall", round(recall()));
            negation.put("f1", round(f1()));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("n", n);
            out.put("negation", negation);
            out.put("possibleDetected", possible);
            out.put("temporalityAccuracy", round(n == 0 ? 0 : (double) temporalityCorrect / n));
            out.put("experiencerAccuracy", round(n == 0 ? 0 : (double) experiencerCorrect / n));
            out.put("conditionNotFound", missingCondition);
            return out;
        }

        private static double round(double v) {
            return Math.round(v * 10000) / 10000.0;
        }
    }

    /**
     * The condition's offset in the sentence, case-insensitively; NegEx writes the annotated mention in capitals, so
     * when the words occur more than once the capitalised occurrence is the one meant. -1 when absent.
     */
    static int locate(String sentence, String condition) {
        String lower = sentence.toLowerCase(Locale.ROOT);
        String target = condition.toLowerCase(Locale.ROOT);
        int first = lower.indexOf(target);
        for (int at = first; at >= 0; at = lower.indexOf(target, at + 1)) {
            String found = sentence.substring(at, at + condition.length());
            if (found.equals(found.toUpperCase(Locale.ROOT))) {
                return at;
            }
        }
        return first;
    }

    public Result evaluate(Path tsv) throws IOException {
        return evaluate(Files.readAllLines(tsv, StandardCharsets.UTF_8));
    }

    /** The NegEx development set shipped with CareGraph (odd-numbered rows of the annotated set; Apache-2.0). */
    public static final String DEV_SET = "nlp/negex/negex-dev.tsv";

    /** Scores the bundled development set ({@link #DEV_SET}). */
    public Result evaluateDevSet() throws IOException {
        try (var in = NegexEvaluation.class.getClassLoader().getResourceAsStream(DEV_SET)) {
            if (in == null) throw new IOException("missing classpath resource " + DEV_SET);
            return evaluate(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList());
        }
    }

    private Result evaluate(List<String> lines) {
        int n = 0, tp = 0, fp = 0, fn = 0, tn = 0, possible = 0, temporality = 0, experiencer = 0, missing = 0;
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split("\t");
            if (f.length < 6) {
                continue;
            }
            String condition = f[1].strip();
            String sentence = f[2];
            int begin = locate(sentence, condition);
            if (condition.isEmpty() || begin < 0) {
                missing++; // unscorable row: counted, not guessed
                continue;
            }
            // rows may hold several sentences (or a whole report header): the mention's own sentence is its scope
            Assertion a = engine.assessInText(sentence, begin, begin + condition.length());
            n++;
            boolean gold = f[3].strip().equalsIgnoreCase("negated");
            if (a.negated()) {
                if (gold) tp++; else fp++;
            } else {
                if (gold) fn++; else tn++;
            }
            possible += !a.negated() && a.uncertain() ? 1 : 0;
            String predictedTime = a.hypothetical() ? "not particular" : a.historical() ? "historical" : "recent";
            temporality += predictedTime.equalsIgnoreCase(f[4].strip()) ? 1 : 0;
            boolean goldPatient = f[5].strip().equalsIgnoreCase("patient");
            experiencer += goldPatient == (a.experiencer() == Assertion.Experiencer.PATIENT) ? 1 : 0;
        }
        return new Result(n, tp, fp, fn, tn, possible, temporality, experiencer, missing);
    }
}
