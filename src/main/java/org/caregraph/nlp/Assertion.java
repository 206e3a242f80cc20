package org.caregraph.nlp;

import java.util.List;
import java.util.Set;

import org.caregraph.nlp.ContextRules.Category;

/**
 * What the context says about one mention. {@code triggers} are the literals of the rules that put it in scope
 * (for explanations and debugging).
 */
public record Assertion(Set<Category> categories, List<String> triggers) {

    public enum Experiencer { PATIENT, OTHER }

    public Assertion {
        categories = Set.copyOf(categories);
        triggers = List.copyOf(triggers);
    }

    public boolean negated() {
        return categories.contains(Category.NEGATED_EXISTENCE);
    }

    /** Possible / uncertain existence ("rule out", "cannot exclude", "likely"). */
    public boolean uncertain() {
        return categories.contains(Category.POSSIBLE_EXISTENCE);
    }

    public boolean hypothetical() {
        return categories.contains(Category.HYPOTHETICAL);
    }

    public boolean historical() {
        return categories.contains(Category.HISTORICAL);
    }

    public Experiencer experiencer() {
        return categories.contains(Category.FAMILY) ? Experiencer.OTHER : Experiencer.PATIENT;
    }
}
