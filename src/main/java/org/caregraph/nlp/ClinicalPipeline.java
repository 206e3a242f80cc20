package org.caregraph.nlp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import opennlp.tools.util.Span;
import org.caregraph.nlp.Lexicon.Kind;
import org.caregraph.nlp.Lexicon.Term;
import org.caregraph.nlp.Mention.Attribute;
import org.caregraph.nlp.Mention.Category;
import org.caregraph.nlp.Mention.Certainty;
import org.caregraph.nlp.Mention.ConceptMatch;
import org.caregraph.nlp.Mention.Experiencer;
import org.caregraph.nlp.Mention.Temporality;

/**
 * The clinical NLP pipeline over one lexicon, without Spring: sections, sentences, tokens; concepts matched longest
 * first, left to right; attributes; ConText assertions per sentence, then the section's say (a family-history section
 * makes the family the experiencer, a past-history section makes the mention historical); then the trait (see
 * {@link #trait}). Immutable and thread-safe.
 */
public final class ClinicalPipeline implements NoteAnalyzer {

    /** The rule and section files the pipeline reads: part of its version beside the lexicon's. */
    private static final List<String> RULE_FILES = List.of("nlp/medspacy/context_rules.json",
            "nlp/medspacy/section_patterns.json", "nlp/caregraph/section_patterns.json", "nlp/negex/negex_triggers.txt",
            "nlp/negex/history_triggers.txt", "nlp/negex/hypothetical_triggers.txt", "nlp/negex/experiencer_triggers.txt",
            "nlp/caregraph/negex_triggers.txt", "nlp/caregraph/allergy_triggers.txt", "nlp/caregraph/synonyms.tsv");
    /**
     * The pipeline's own rules, beside its files: part of its version. Raise it when code changes what is found (2: the
     * condition traits and the allergy context), so that stored notes are analyzed again.
     */
    private static final int REVISION = 2;
    /** Sections whose conditions are the patient's report (SYMPTOM) or the clinician's observation (SIGN). */
    private static final Set<String> SYMPTOM_SECTIONS = Set.of("chief_complaint", "review_of_systems");
    private static final Set<String> SIGN_SECTIONS = Set.of("physical_exam");
    /** medspaCy's allergy section categories: everything listed there is an allergy or allergen. */
    private static final Set<String> ALLERGY_SECTIONS = Set.of("allergies", "allergy");
    private static final String CURATED = "nlp/caregraph/synonyms.tsv";
    /** ConText scopes a sentence; a "sentence" longer than this (a list without punctuation) is judged in pieces. */
    private static final int MAX_SENTENCE_TOKENS = 200;
    /** An inflected match ("ulcers" for "ulcer") scores this much of an exact one. */
    private static final double INFLECTED = 0.9;

    /** What every pipeline shares: the rules are read once per JVM. */
    private static final class Shared {
        static final ClinicalTokenizer TOKENIZER = new ClinicalTokenizer();
        static final SentenceSplitter SPLITTER = new SentenceSplitter();
        static final ContextEngine ENGINE = new ContextEngine(TOKENIZER, SPLITTER, ContextRules.standard(TOKENIZER));
        static final SectionDetector SECTIONS = SectionDetector.standard();
        static final String RULES_VERSION = hash(RULE_FILES, REVISION);
    }

    private final Lexicon lexicon;
    private final AttributeExtractor attributes = new AttributeExtractor();

    private ClinicalPipeline(Lexicon lexicon) {
        this.lexicon = lexicon;
    }

    /** A pipeline over {@code lexicon} (build it with {@link #lexicon()}); no Spring, no database. */
    public static ClinicalPipeline of(Lexicon lexicon) {
        return new ClinicalPipeline(lexicon);
    }

    /** A lexicon builder with the shared tokenizer; add concepts, then {@link #withCurated} before building. */
    public static Lexicon.Builder lexicon() {
        return new Lexicon.Builder(Shared.TOKENIZER);
    }

    /** Adds CareGraph's curated synonyms and abbreviations (nlp/caregraph/synonyms.tsv) to the concepts added so far. */
    public static Lexicon.Builder withCurated(Lexicon.Builder builder) {
        try (InputStream in = ClinicalPipeline.class.getClassLoader().getResourceAsStream(CURATED);
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split("\t");
                if (f.length != 5) throw new IllegalStateException(CURATED + ": expected 5 columns in '" + line + "'");
                builder.addCurated(f[0], f[1].equals("ABBR"), Category.valueOf(f[2]), f[3], f[4]);
            }
            return builder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Lexicon lexiconInUse() {
        return lexicon;
    }

    @Override
    public String version() {
        return Shared.RULES_VERSION + "-" + lexicon.version();
    }

    @Override
    public List<Mention> analyze(String text) {
        List<SectionDetector.Section> sections = Shared.SECTIONS.sections(text);
        List<Mention> out = new ArrayList<>();
        for (Span sentence : Shared.SPLITTER.split(text)) {
            List<Token> all = shift(Shared.TOKENIZER.tokenize(text.substring(sentence.getStart(), sentence.getEnd())),
                    sentence.getStart());
            for (int from = 0; from < all.size(); from += MAX_SENTENCE_TOKENS) {
                List<Token> tokens = all.subList(from, Math.min(all.size(), from + MAX_SENTENCE_TOKENS));
                analyzeSentence(text, tokens, sections, out);
            }
        }
        return out;
    }

    /** A candidate before its assertion: token range, the terms it matched and their scores. */
    private record Found(int from, int to, Category category, String type, Map<String, ConceptMatch> concepts,
                         double score, boolean allergy) {
    }

    private void analyzeSentence(String text, List<Token> tokens, List<SectionDetector.Section> sections, List<Mention> out) {
        List<String> folded = new ArrayList<>(tokens.size());
        for (Token t : tokens) folded.add(Lexicon.fold(t.lower()));
        List<Found> found = new ArrayList<>();
        for (int i = 0; i < tokens.size(); ) {
            Found f = inHeader(tokens.get(i), sections) ? null : match(text, tokens, folded, i);
            if (f == null) {
                i++;
            } else {
                found.add(f);
                i = f.to();
            }
        }
        if (found.isEmpty()) return;
        List<int[]> targets = found.stream().map(f -> new int[] {f.from(), f.to()}).toList();
        List<Assertion> assertions = Shared.ENGINE.assessTokens(tokens, targets);
        int sentenceEnd = tokens.getLast().end();
        for (int k = 0; k < found.size(); k++) {
            Found f = found.get(k);
            int begin = tokens.get(f.from()).begin();
            int end = tokens.get(f.to() - 1).end();
            int limit = k + 1 < found.size() ? tokens.get(found.get(k + 1).from()).begin() : sentenceEnd;
            SectionDetector.Section section = SectionDetector.at(sections, begin);
            String sectionName = section == null ? null : section.category();
            Assertion a = assertions.get(k);
            Experiencer experiencer = a.experiencer() == Assertion.Experiencer.OTHER || "family_history".equals(sectionName)
                    ? Experiencer.FAMILY : Experiencer.PATIENT;
            Temporality temporality = a.hypothetical() ? Temporality.HYPOTHETICAL
                    : a.historical() || "past_medical_history".equals(sectionName) ? Temporality.HISTORICAL
                    : Temporality.CURRENT;
            List<Attribute> attrs = attributes.attributes(text, f.category(), f.type(), begin, end, limit);
            List<ConceptMatch> concepts = f.concepts().values().stream()
                    .sorted(Comparator.comparingDouble(ConceptMatch::score).reversed()).toList();
            out.add(new Mention(begin, end, text.substring(begin, end), f.category(), f.type(), f.score(), concepts,
                    a.negated(), a.uncertain() ? Certainty.UNCERTAIN : Certainty.CERTAIN, experiencer, temporality,
                    sectionName, trait(f, a, sectionName), attrs));
        }
    }

    /**
     * A condition is an ALLERGY when its concept is one (coded at AllergyIntolerance.code) or its own words say so
     * ("allergy to peanut"); otherwise, by section, a SYMPTOM (chief complaint, review of systems: the patient's
     * report), a SIGN (physical exam: the clinician's observation) or a DIAGNOSIS. A medication in an allergy context
     * (after "allergic to" in its sentence, or in an allergies section) is an ALLERGEN.
     */
    private static Mention.Trait trait(Found f, Assertion a, String sectionOrNull) {
        String section = sectionOrNull == null ? "" : sectionOrNull; // Set.of(...).contains(null) throws
        return switch (f.category()) {
            case MEDICAL_CONDITION -> f.allergy() || a.allergy() ? Mention.Trait.ALLERGY
                    : SYMPTOM_SECTIONS.contains(section) ? Mention.Trait.SYMPTOM
                    : SIGN_SECTIONS.contains(section) ? Mention.Trait.SIGN
                    : Mention.Trait.DIAGNOSIS;
            case MEDICATION -> a.allergen() || ALLERGY_SECTIONS.contains(section) ? Mention.Trait.ALLERGEN : null;
            case TEST_TREATMENT_PROCEDURE, ANATOMY -> null;
        };
    }

    private static boolean inHeader(Token t, List<SectionDetector.Section> sections) {
        SectionDetector.Section s = SectionDetector.at(sections, t.begin());
        return s != null && t.begin() < s.headerEnd();
    }

    /**
     * The longest term at token {@code i}, or null. Of the terms of that word sequence the best-scoring decides the
     * category; the mention links every concept of that category. An abbreviation counts only when written in capitals
     * ("MI", "CHFs"), so that the words "mi" or "ca" are not taken for one.
     */
    private Found match(String text, List<Token> tokens, List<String> folded, int i) {
        Lexicon.Match m = lexicon.longest(folded, i);
        if (m == null) return null;
        String surface = text.substring(tokens.get(m.from()).begin(), tokens.get(m.to() - 1).end());
        List<String> written = tokens.subList(m.from(), m.to()).stream().map(Token::lower).toList();
        Term best = null;
        double bestScore = 0;
        Map<Term, Double> scores = new LinkedHashMap<>();
        for (Term t : m.terms()) {
            if (t.kind() == Kind.ABBREVIATION && !capitals(surface)) continue;
            double score = t.kind().score * (t.words().equals(written) ? 1.0 : INFLECTED);
            scores.put(t, score);
            if (score > bestScore) {
                best = t;
                bestScore = score;
            }
        }
        if (best == null) return null;
        Map<String, ConceptMatch> concepts = new LinkedHashMap<>();
        boolean allergy = false;
        for (Map.Entry<Term, Double> e : scores.entrySet()) {
            Term t = e.getKey();
            if (t.category() != best.category() || t.key() == null) continue;
            allergy |= t.allergy();
            ConceptMatch c = new ConceptMatch(t.key(), t.system(), t.code(), t.display(), round(e.getValue()));
            concepts.merge(t.key(), c, (x, y) -> x.score() >= y.score() ? x : y);
        }
        return new Found(m.from(), m.to(), best.category(), best.type(), concepts, round(bestScore), allergy);
    }

    private static boolean capitals(String surface) {
        String s = surface.endsWith("s") ? surface.substring(0, surface.length() - 1) : surface;
        return s.chars().filter(Character::isLetter).allMatch(Character::isUpperCase);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static List<Token> shift(List<Token> tokens, int by) {
        if (by == 0) return tokens;
        List<Token> out = new ArrayList<>(tokens.size());
        for (Token t : tokens) out.add(new Token(t.begin() + by, t.end() + by, t.lower()));
        return out;
    }

    private static String hash(List<String> resources, int revision) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(Integer.toString(revision).getBytes(StandardCharsets.UTF_8));
            for (String resource : resources) {
                try (InputStream in = ClinicalPipeline.class.getClassLoader().getResourceAsStream(resource)) {
                    if (in == null) throw new IllegalStateException("missing resource " + resource);
                    sha.update(in.readAllBytes());
                }
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 4);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
