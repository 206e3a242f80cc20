package org.caregraph.nlp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.caregraph.nlp.Mention.Category;

/**
 * The terms the pipeline recognizes: a trie over normalized token sequences (lower case, plurals and possessives
 * folded), built once and then read by any number of threads. A term names a concept (key {@code system|code}) or, for
 * a curated term whose concept is not loaded, only a category. Built by {@link Builder}; {@link #version()} is a hash
 * of the content, so two lexicons with the same terms have the same version.
 */
public final class Lexicon {

    /** How a term came to name its concept; decides the score of an exact match. */
    public enum Kind {
        DISPLAY(1.0), SYNONYM(1.0), CURATED(0.95), ABBREVIATION(0.85);

        final double score;

        Kind(double score) {
            this.score = score;
        }
    }

    /**
     * One way of naming a concept. {@code key} is null for a category-only curated term. {@code words} are the
     * lower-cased tokens as written, to tell an exact match from an inflected one. {@code allergy}: the concept is an
     * allergy (see {@link ConceptCategory}).
     */
    public record Term(String key, String system, String code, String display, Category category, String type,
                       boolean allergy, Kind kind, List<String> words) {
    }

    /** A match of the longest term sequence at a token position; {@code terms} are the terms of that sequence. */
    public record Match(int from, int to, List<Term> terms) {
    }

    /** SNOMED CT's semantic tag at the end of a display: "Hypertension (disorder)". */
    static final Pattern SEMANTIC_TAG = Pattern.compile("\\s*\\((disorder|finding|situation|procedure|regime/therapy|"
            + "body structure|morphologic abnormality|observable entity|substance|product|medicinal product|"
            + "clinical drug|event|qualifier value|record artifact|physical object|environment|occupation|"
            + "person|social concept|specimen|assessment scale)\\)\\s*$");
    /** Displays too generic to be recognized as a concept wherever the word occurs. */
    private static final Set<String> TOO_GENERIC = Set.of("other", "unknown", "none", "normal", "abnormal", "positive",
            "negative", "yes", "no", "not", "high", "low", "present", "absent", "patient", "the", "and", "with", "for");

    private static final class Node {
        final Map<String, Node> next = new HashMap<>(4);
        List<Term> terms;
    }

    private final Node root;
    private final int size;
    private final String version;

    private Lexicon(Node root, int size, String version) {
        this.root = root;
        this.size = size;
        this.version = version;
    }

    public int size() {
        return size;
    }

    public String version() {
        return version;
    }

    /** The longest term starting at token {@code from} of {@code folded} (tokens already {@link #fold folded}), or null. */
    public Match longest(List<String> folded, int from) {
        Node node = root;
        Match best = null;
        for (int i = from; i < folded.size(); i++) {
            node = node.next.get(folded.get(i));
            if (node == null) break;
            if (node.terms != null) best = new Match(from, i + 1, node.terms);
        }
        return best;
    }

    /**
     * A token folded for matching: possessive dropped, regular plurals made singular ("ulcers" → "ulcer",
     * "arteries" → "artery", "boxes" → "box"). Applied alike to lexicon terms and note tokens, so a wrong singular
     * ("diabetes" → "diabete") is harmless: both sides fold the same way.
     */
    public static String fold(String lower) {
        String t = lower.endsWith("'s") || lower.endsWith("’s") ? lower.substring(0, lower.length() - 2) : lower;
        int n = t.length();
        if (n <= 3 || !Character.isLetter(t.charAt(n - 1))) return t;
        if (t.endsWith("ies") && n > 4) return t.substring(0, n - 3) + "y";
        if (t.endsWith("sses") || t.endsWith("xes") || t.endsWith("ches") || t.endsWith("shes")) return t.substring(0, n - 2);
        if (t.endsWith("s") && !t.endsWith("ss") && !t.endsWith("us") && !t.endsWith("is")) return t.substring(0, n - 1);
        return t;
    }

    /** Strips SNOMED's semantic tag: the words a note uses for the concept. */
    public static String withoutTag(String display) {
        return SEMANTIC_TAG.matcher(display).replaceFirst("");
    }

    /** Collects terms; not thread-safe. */
    public static final class Builder {
        private final ClinicalTokenizer tokenizer;
        private final Node root = new Node();
        private final TreeSet<String> content = new TreeSet<>();
        /** Normalized display or synonym (tag stripped) → the concept terms so named: where curated terms point. */
        private final Map<String, List<Term>> byDisplay = new HashMap<>();
        private int size;

        public Builder(ClinicalTokenizer tokenizer) {
            this.tokenizer = tokenizer;
        }

        /**
         * A concept with its display and synonyms; {@code paths} are the FHIRPaths it is coded under, which say what
         * kind of thing it is. A concept whose category cannot be told is left out.
         */
        public Builder addConcept(String key, String system, String code, String display, List<String> synonyms,
                                  List<String> paths) {
            ConceptCategory.Kinded c = ConceptCategory.of(system, display, paths);
            if (c == null) return this;
            if (display != null) add(new Term(key, system, code, display, c.category(), c.type(), c.allergy(), Kind.DISPLAY, null), display);
            for (String s : synonyms == null ? List.<String>of() : synonyms) {
                add(new Term(key, system, code, display, c.category(), c.type(), c.allergy(), Kind.SYNONYM, null), s);
            }
            return this;
        }

        /**
         * A curated term naming the concepts whose display (semantic tag stripped) or synonym is {@code target}; when no concept
         * added so far has that display, the term names only its category. Call after the concepts are added.
         */
        public Builder addCurated(String surface, boolean abbreviation, Category category, String type, String target) {
            Kind kind = abbreviation ? Kind.ABBREVIATION : Kind.CURATED;
            List<Term> targets = byDisplay.getOrDefault(normalize(target), List.of()).stream()
                    .filter(t -> t.category() == category).toList();
            if (targets.isEmpty()) {
                add(new Term(null, null, null, target, category, type, false, kind, null), surface);
            }
            for (Term t : targets) {
                add(new Term(t.key(), t.system(), t.code(), t.display(), t.category(), t.type(), t.allergy(), kind, null), surface);
            }
            return this;
        }

        public Lexicon build() {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                for (String line : content) sha.update((line + "\n").getBytes(StandardCharsets.UTF_8));
                return new Lexicon(root, size, HexFormat.of().formatHex(sha.digest(), 0, 8));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        private String normalize(String text) {
            return String.join(" ", tokenizer.tokenize(withoutTag(text)).stream().map(t -> fold(t.lower())).toList());
        }

        private void add(Term term, String surface) {
            List<String> words = tokenizer.tokenize(withoutTag(surface)).stream().map(Token::lower).toList();
            if (words.isEmpty()) return;
            String joined = String.join(" ", words);
            // short words are mostly something else; an abbreviation is matched only in capitals, so "MI" may stay
            if ((joined.length() < 3 && term.kind() != Kind.ABBREVIATION) || TOO_GENERIC.contains(joined)
                    || joined.chars().noneMatch(Character::isLetter)) return;
            Term t = new Term(term.key(), term.system(), term.code(), term.display(), term.category(), term.type(),
                    term.allergy(), term.kind(), words);
            Node node = root;
            for (String w : words) node = node.next.computeIfAbsent(fold(w), k -> new Node());
            if (node.terms == null) node.terms = new ArrayList<>(1);
            if (node.terms.stream().anyMatch(x -> same(x, t))) return;
            node.terms.add(t);
            node.terms.sort(Comparator.comparingInt((Term x) -> x.kind().ordinal()));
            size++;
            content.add(joined + "\t" + t.key() + "\t" + t.category() + "\t" + t.type() + (t.allergy() ? "\tallergy" : "")
                    + "\t" + t.kind() + "\t" + t.display());
            if (t.key() != null && (t.kind() == Kind.DISPLAY || t.kind() == Kind.SYNONYM)) {
                byDisplay.computeIfAbsent(String.join(" ", words.stream().map(Lexicon::fold).toList()), k -> new ArrayList<>()).add(t);
            }
        }

        private static boolean same(Term a, Term b) {
            return java.util.Objects.equals(a.key(), b.key()) && a.category() == b.category() && a.allergy() == b.allergy()
                    && a.kind() == b.kind() && a.words().equals(b.words()) && java.util.Objects.equals(a.display(), b.display());
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Lexicon[%d terms, %s]", size, version);
    }
}
