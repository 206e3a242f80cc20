package org.caregraph.nlp;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deterministic stand-in for the real pipeline, for testing the wiring: finds a few fixed phrases; "no " right
 * before a phrase negates it, "family history of " makes it the family's; "a1c N %" is a test with a value and unit;
 * "cough" is linked to no concept; a text containing "BOOM" makes it throw. Its version can be changed (lexicon update).
 */
public class KeywordAnalyzer implements NoteAnalyzer {
    static final String SNOMED = "http://snomed.info/sct";
    static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
    static final String LOINC = "http://loinc.org";

    private record Phrase(Pattern pattern, Mention.Category category, String type, Mention.ConceptMatch concept) {
    }

    private static final List<Phrase> PHRASES = List.of(
            new Phrase(Pattern.compile("hypertension"), Mention.Category.MEDICAL_CONDITION, "DX_NAME",
                    new Mention.ConceptMatch(SNOMED + "|38341003", SNOMED, "38341003", "Hypertension", 0.9)),
            new Phrase(Pattern.compile("chest pain"), Mention.Category.MEDICAL_CONDITION, "SYMPTOM",
                    new Mention.ConceptMatch(SNOMED + "|29857009", SNOMED, "29857009", "Chest pain", 0.8)),
            new Phrase(Pattern.compile("lisinopril"), Mention.Category.MEDICATION, "GENERIC_NAME",
                    new Mention.ConceptMatch(RXNORM + "|29046", RXNORM, "29046", "lisinopril", 0.95)),
            new Phrase(Pattern.compile("a1c (\\d+(?:\\.\\d+)?) (%)"), Mention.Category.TEST_TREATMENT_PROCEDURE, "TEST_NAME",
                    new Mention.ConceptMatch(LOINC + "|4548-4", LOINC, "4548-4", "Hemoglobin A1c", 0.7)),
            new Phrase(Pattern.compile("cough"), Mention.Category.MEDICAL_CONDITION, "SYMPTOM", null));

    private volatile String version = "kw-1";

    public void version(String version) {
        this.version = version;
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public List<Mention> analyze(String text) {
        if (text.contains("BOOM")) throw new IllegalStateException("analyzer exploded");
        String lower = text.toLowerCase(Locale.ROOT);
        List<Mention> out = new ArrayList<>();
        for (Phrase p : PHRASES) {
            Matcher m = p.pattern.matcher(lower);
            while (m.find()) {
                int end = p.category == Mention.Category.TEST_TREATMENT_PROCEDURE ? m.start() + 3 : m.end();
                List<Mention.Attribute> attributes = m.groupCount() == 2
                        ? List.of(new Mention.Attribute("TEST_VALUE", m.group(1), m.start(1), m.end(1)),
                                  new Mention.Attribute("TEST_UNIT", m.group(2), m.start(2), m.end(2)))
                        : List.of();
                boolean negated = lower.startsWith("no ", Math.max(0, m.start() - 3)) && m.start() >= 3;
                boolean family = m.start() >= 18 && lower.startsWith("family history of ", m.start() - 18);
                out.add(new Mention(m.start(), end, text.substring(m.start(), end), p.category, p.type, 0.5,
                        p.concept == null ? List.of() : List.of(p.concept), negated, Mention.Certainty.CERTAIN,
                        family ? Mention.Experiencer.FAMILY : Mention.Experiencer.PATIENT, Mention.Temporality.CURRENT,
                        null, p.category == Mention.Category.MEDICAL_CONDITION ? Mention.Trait.DIAGNOSIS : null, attributes));
            }
        }
        out.sort(Comparator.comparingInt(Mention::begin));
        return out;
    }
}
