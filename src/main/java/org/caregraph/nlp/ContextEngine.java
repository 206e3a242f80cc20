package org.caregraph.nlp;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import opennlp.tools.util.Span;
import org.caregraph.nlp.ContextRules.Category;
import org.caregraph.nlp.ContextRules.Direction;
import org.caregraph.nlp.ContextRules.Element;
import org.caregraph.nlp.ContextRules.Rule;

/**
 * ConText assertion engine (Harkema et al. 2009, as in medspaCy and genConText). Triggers are matched on the tokens of
 * one sentence; per category, overlapping matches are resolved longest-first with pseudo-triggers winning ties, so a
 * pseudo-trigger ("no increase", "not only") swallows the trigger inside it, and a longer trigger the shorter one of
 * the same direction inside it. A modifier's scope runs from the trigger
 * towards the sentence edge (forward, backward or both) and stops at a terminator of its category, at the next trigger
 * of the same category, or after its max scope. A target inside the scope gets the category.
 */
public final class ContextEngine {

    /** Categories whose triggers may be a mention's own words (see {@link #assessTokens}). */
    private static final Set<Category> NAMED_BY_ENTITY = EnumSet.of(Category.ALLERGY);

    private final ClinicalTokenizer tokenizer;
    private final SentenceSplitter splitter;
    /** The rules by the first word they can match: most tokens start no rule at all. */
    private final Map<String, List<Rule>> byFirstWord = new HashMap<>();
    private final List<Rule> anyFirstWord = new ArrayList<>();

    public ContextEngine(ClinicalTokenizer tokenizer, SentenceSplitter splitter, ContextRules rules) {
        this.tokenizer = tokenizer;
        this.splitter = splitter;
        for (Rule rule : rules.rules()) {
            Element first = rule.pattern().getFirst();
            if (first.optional()) {
                anyFirstWord.add(rule);
            } else {
                first.alternatives().stream().map(List::getFirst).distinct()
                        .forEach(w -> byFirstWord.computeIfAbsent(w, k -> new ArrayList<>()).add(rule));
            }
        }
    }

    /** An engine with the shipped rules. */
    public static ContextEngine standard() {
        ClinicalTokenizer tokenizer = new ClinicalTokenizer();
        return new ContextEngine(tokenizer, new SentenceSplitter(), ContextRules.standard(tokenizer));
    }

    /** Assertions for the mention at [begin, end) of a longer text: scoped by the sentence that holds it. */
    public Assertion assessInText(String text, int begin, int end) {
        for (Span s : splitter.split(text)) {
            if (s.getStart() <= begin && end <= s.getEnd()) {
                return assess(text.substring(s.getStart(), s.getEnd()), begin - s.getStart(), end - s.getStart());
            }
        }
        return assess(text, begin, end); // a mention across a sentence break: the whole text is its context
    }

    /** Assertions for the mention at [begin, end) of one sentence. */
    public Assertion assess(String sentence, int begin, int end) {
        if (begin < 0 || end > sentence.length() || begin >= end) {
            throw new IllegalArgumentException("target [" + begin + "," + end + ") outside the sentence");
        }
        List<Token> tokens = tokenizer.tokenize(sentence);
        int targetFrom = -1;
        int targetTo = -1;
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.get(i).end() > begin && tokens.get(i).begin() < end) {
                targetFrom = targetFrom < 0 ? i : targetFrom;
                targetTo = i + 1;
            }
        }
        if (targetFrom < 0) {
            return new Assertion(EnumSet.noneOf(Category.class), List.of(), EnumSet.noneOf(Category.class));
        }
        return assessTokens(tokens, List.of(new int[] {targetFrom, targetTo})).getFirst();
    }

    /**
     * Assertions for several mentions of one sentence, each given as a token range [from, to) of {@code tokens}: the
     * rules are matched once for the sentence. Words inside a mention belong to that entity and trigger nothing, for it
     * or for the others: "reports" in "reports of violence in the environment" does not end the scope of the
     * "history of" before it. The exception is a category whose triggers may be the entity's own words
     * ({@link #NAMED_BY_ENTITY}): "allergy to substance (finding), aspirin" names an allergy and opens the allergy
     * scope over the allergens after it.
     */
    public List<Assertion> assessTokens(List<Token> tokens, List<int[]> targets) {
        List<Match> all = match(tokens);
        Map<Category, List<Match>> kept = new EnumMap<>(Category.class);
        for (Category category : Category.values()) {
            boolean named = NAMED_BY_ENTITY.contains(category);
            kept.put(category, resolve(all.stream().filter(m -> outside(m, targets)
                    || named && isModifier(m.rule().direction())).toList(), category));
        }
        List<Assertion> out = new ArrayList<>(targets.size());
        for (int[] target : targets) {
            int targetFrom = target[0];
            int targetTo = target[1];
            Set<Category> found = EnumSet.noneOf(Category.class);
            Set<Category> named = EnumSet.noneOf(Category.class);
            List<String> triggers = new ArrayList<>();
            for (var e : kept.entrySet()) {
                for (Match m : e.getValue()) {
                    if (!isModifier(m.rule().direction())) continue;
                    if (inScope(m, e.getValue(), tokens.size(), targetFrom, targetTo)) {
                        found.add(e.getKey());
                        triggers.add(m.rule().literal());
                    } else if (m.from() < targetTo && targetFrom < m.to()) {
                        named.add(e.getKey()); // only a NAMED_BY_ENTITY trigger can overlap a target here
                    }
                }
            }
            out.add(new Assertion(found, triggers, named));
        }
        return out;
    }

    private static boolean outside(Match m, List<int[]> targets) {
        return targets.stream().noneMatch(t -> m.from() < t[1] && t[0] < m.to());
    }

    private record Match(Rule rule, int from, int to) {
        int length() {
            return to - from;
        }

        boolean overlaps(Match o) {
            return from < o.to && o.from < to;
        }
    }

    private static boolean isModifier(Direction d) {
        return d == Direction.FORWARD || d == Direction.BACKWARD || d == Direction.BIDIRECTIONAL;
    }

    /** Every rule's longest match at every token; only rules whose first word is the token's are tried there. */
    private List<Match> match(List<Token> tokens) {
        List<Match> matches = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            matchAt(tokens, i, byFirstWord.getOrDefault(tokens.get(i).lower(), List.of()), matches);
            matchAt(tokens, i, anyFirstWord, matches);
        }
        return matches;
    }

    private static void matchAt(List<Token> tokens, int i, List<Rule> candidates, List<Match> matches) {
        for (Rule rule : candidates) {
            int end = longest(rule.pattern(), 0, tokens, i);
            if (end > i) {
                matches.add(new Match(rule, i, end));
            }
        }
    }

    /** Token index after the longest match of pattern[element..] at token {@code at}; -1 when none. */
    private static int longest(List<Element> pattern, int element, List<Token> tokens, int at) {
        if (element == pattern.size()) {
            return at;
        }
        Element e = pattern.get(element);
        int best = e.optional() ? longest(pattern, element + 1, tokens, at) : -1;
        for (List<String> words : e.alternatives()) {
            if (at + words.size() <= tokens.size() && matchesAt(words, tokens, at)) {
                best = Math.max(best, longest(pattern, element + 1, tokens, at + words.size()));
            }
        }
        return best;
    }

    private static boolean matchesAt(List<String> words, List<Token> tokens, int at) {
        for (int k = 0; k < words.size(); k++) {
            if (!tokens.get(at + k).lower().equals(words.get(k))) {
                return false;
            }
        }
        return true;
    }

    /** The matches that act on one category, overlaps resolved: longer first, a pseudo-trigger before an equal one. */
    private static List<Match> resolve(List<Match> matches, Category category) {
        List<Match> candidates = new ArrayList<>(matches.stream().filter(m -> m.rule().categories().contains(category)).toList());
        candidates.sort(Comparator.comparingInt(Match::length).reversed()
                .thenComparing(m -> m.rule().direction() != Direction.PSEUDO)
                .thenComparingInt(Match::from));
        List<Match> kept = new ArrayList<>();
        for (Match m : candidates) {
            // a pseudo-trigger blocks what it overlaps; otherwise only a trigger of the same direction competes, so
            // "resolved" (forward and backward) or "no" inside "Skin: no" (backward) keep both readings
            if (kept.stream().noneMatch(k -> k.overlaps(m)
                    && (k.rule().direction() == Direction.PSEUDO || k.rule().direction() == m.rule().direction()))) {
                kept.add(m);
            }
        }
        return kept;
    }

    private static boolean inScope(Match trigger, List<Match> kept, int size, int targetFrom, int targetTo) {
        Direction d = trigger.rule().direction();
        int max = trigger.rule().maxScope() > 0 ? trigger.rule().maxScope() : Integer.MAX_VALUE;
        if (d == Direction.FORWARD || d == Direction.BIDIRECTIONAL) {
            int scopeEnd = (int) Math.min(size, (long) trigger.to() + max);
            for (Match other : kept) {
                if (other != trigger && other.from() >= trigger.to() && limits(other)) {
                    scopeEnd = Math.min(scopeEnd, other.from());
                }
            }
            if (targetFrom >= trigger.to() && targetFrom < scopeEnd) {
                return true;
            }
        }
        if (d == Direction.BACKWARD || d == Direction.BIDIRECTIONAL) {
            int scopeStart = Math.max(0, trigger.from() - max);
            for (Match other : kept) {
                if (other != trigger && other.to() <= trigger.from() && limits(other)) {
                    scopeStart = Math.max(scopeStart, other.to());
                }
            }
            return targetTo <= trigger.from() && targetTo > scopeStart;
        }
        return false;
    }

    /** Terminators and other triggers of the same category end a scope (ConText); pseudo-triggers do not. */
    private static boolean limits(Match other) {
        return other.rule().direction() != Direction.PSEUDO;
    }
}
