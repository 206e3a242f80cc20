package org.caregraph.nlp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The ConText trigger rules, read from the classpath (nlp/): medspaCy's context_rules.json and the NegEx/genConText
 * trigger lists. Both are compiled to token patterns over {@link ClinicalTokenizer} tokens, so a rule matches the same
 * way whatever its source.
 */
public final class ContextRules {

    /**
     * ConText's categories plus ALLERGY (CareGraph's): what follows "allergic to", "intolerance to"... names what the
     * patient must not be given, not what the patient has or takes.
     */
    public enum Category { NEGATED_EXISTENCE, POSSIBLE_EXISTENCE, HISTORICAL, HYPOTHETICAL, FAMILY, ALLERGY }

    public enum Direction { FORWARD, BACKWARD, BIDIRECTIONAL, TERMINATE, PSEUDO }

    /**
     * One trigger: a sequence of elements, each a set of alternative token sequences, possibly optional.
     * {@code categories} are the categories it modifies (for TERMINATE: the scopes it ends; for PSEUDO: the
     * triggers it blocks). {@code maxScope} in tokens, 0 = up to the sentence or a terminator.
     */
    public record Rule(String literal, Set<Category> categories, Direction direction, List<Element> pattern, int maxScope) {
    }

    public record Element(List<List<String>> alternatives, boolean optional) {
    }

    private static final Set<Category> NEGATION_FAMILY = EnumSet.of(Category.NEGATED_EXISTENCE, Category.POSSIBLE_EXISTENCE);

    private final List<Rule> rules = new ArrayList<>();
    private final ClinicalTokenizer tokenizer;

    private ContextRules(ClinicalTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /**
     * The shipped rules: medspaCy ConText rules plus the NegEx negation, history, hypothetical and experiencer lists,
     * and CareGraph's allergy triggers.
     */
    public static ContextRules standard(ClinicalTokenizer tokenizer) {
        ContextRules r = new ContextRules(tokenizer);
        r.loadMedspacy("nlp/medspacy/context_rules.json");
        r.loadNegex("nlp/negex/negex_triggers.txt", Category.NEGATED_EXISTENCE);
        r.loadNegex("nlp/negex/history_triggers.txt", Category.HISTORICAL);
        r.loadNegex("nlp/negex/hypothetical_triggers.txt", Category.HYPOTHETICAL);
        r.loadNegex("nlp/negex/experiencer_triggers.txt", Category.FAMILY);
        // CareGraph's own additions, one rule family each (see nlp/README.md)
        r.loadNegex("nlp/caregraph/negex_triggers.txt", Category.NEGATED_EXISTENCE);
        r.loadNegex("nlp/caregraph/allergy_triggers.txt", Category.ALLERGY);
        return r;
    }

    public List<Rule> rules() {
        return rules;
    }

    private void loadMedspacy(String resource) {
        try (InputStream in = open(resource)) {
            for (JsonNode rule : new ObjectMapper().readTree(in).get("context_rules")) {
                Category category = Category.valueOf(rule.get("category").asText());
                Direction direction = Direction.valueOf(rule.get("direction").asText());
                int maxScope = rule.path("max_scope").asInt(0);
                String literal = rule.get("literal").asText();
                List<Element> pattern = rule.path("pattern").isArray() ? pattern(rule.get("pattern")) : literal(literal);
                // medspaCy: a TERMINATE modifier ends the scope of every category, not only its own
                Set<Category> categories = direction == Direction.TERMINATE ? EnumSet.allOf(Category.class) : EnumSet.of(category);
                add(new Rule(literal, categories, direction, pattern, maxScope));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Element> pattern(JsonNode tokens) {
        List<Element> pattern = new ArrayList<>();
        for (JsonNode token : tokens) {
            JsonNode lower = token.get("LOWER");
            List<List<String>> alternatives = new ArrayList<>();
            if (lower.isObject()) {
                lower.get("IN").forEach(v -> alternatives.add(words(v.asText())));
            } else {
                alternatives.add(words(lower.asText()));
            }
            String op = token.path("OP").asText("");
            if (!op.isEmpty() && !op.equals("?")) {
                throw new IllegalArgumentException("unsupported OP " + op + " in ConText rule " + tokens);
            }
            pattern.add(new Element(alternatives, op.equals("?")));
        }
        return pattern;
    }

    /** NegEx lists: "trigger TAB TAB [TAG]". */
    private void loadNegex(String resource, Category category) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(open(resource), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                line = line.strip();
                int tab = line.indexOf('\t');
                if (tab < 0) {
                    continue;
                }
                String trigger = line.substring(0, tab).strip();
                String tag = line.substring(line.lastIndexOf('[') + 1, line.lastIndexOf(']'));
                add(negexRule(trigger, tag, category));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Rule negexRule(String trigger, String tag, Category category) {
        Set<Category> family = category == Category.NEGATED_EXISTENCE ? NEGATION_FAMILY : EnumSet.of(category);
        List<Element> pattern = literal(trigger);
        return switch (tag) {
            case "PREN" -> new Rule(trigger, EnumSet.of(category), Direction.FORWARD, pattern, 0);
            case "POST" -> new Rule(trigger, EnumSet.of(category), Direction.BACKWARD, pattern, 0);
            case "PREP" -> new Rule(trigger, EnumSet.of(Category.POSSIBLE_EXISTENCE), Direction.FORWARD, pattern, 0);
            case "POSP" -> new Rule(trigger, EnumSet.of(Category.POSSIBLE_EXISTENCE), Direction.BACKWARD, pattern, 0);
            // genConText marks "s/p", "prior", "pre-existing" ONEW; scoped like PREN (a 1-word scope lost "s/p total hysterectomy")
            case "ONEW" -> new Rule(trigger, EnumSet.of(category), Direction.FORWARD, pattern, 0);
            case "PSEU" -> new Rule(trigger, family, Direction.PSEUDO, pattern, 0);
            case "CONJ" -> new Rule(trigger, family, Direction.TERMINATE, pattern, 0);
            default -> throw new IllegalArgumentException("unknown NegEx tag [" + tag + "] for " + trigger);
        };
    }

    private List<Element> literal(String literal) {
        List<Element> pattern = new ArrayList<>();
        for (String word : words(literal)) {
            pattern.add(new Element(List.of(List.of(word)), false));
        }
        return pattern;
    }

    private List<String> words(String text) {
        return tokenizer.tokenize(text).stream().map(Token::lower).toList();
    }

    private void add(Rule rule) {
        if (!rule.pattern().isEmpty()) {
            rules.add(rule);
        }
    }

    private static InputStream open(String resource) {
        InputStream in = ContextRules.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("missing classpath resource " + resource);
        }
        return in;
    }
}
