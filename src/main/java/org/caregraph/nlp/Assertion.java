package org.caregraph.nlp;

import java.util.List;
import java.util.Set;

import org.caregraph.nlp.ContextRules.Category;

/**
 * What the context says about one mention. {@code triggers} are the literals of the rules that put it in scope
 * (for explanations and debugging). {@code named} are the categories whose trigger lies in the mention's own words
 * ("allergy to peanut" is itself an allergy).
 */
public record Assertion(Set<Category> categories, List<String> triggers, Set<Category> named) {

    public enum Experiencer { PATIENT, OTHER }

    public Assertion {
        categories = Set.copyOf(categories);
        triggers = List.copyOf(triggers);
        named = Set.copyOf(named);
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

    /** In the scope of an allergy trigger ("allergic to ..."): what it names is an allergen. */
    public boolean allergen() {
        return categories.contains(Category.ALLERGY);
    }

    /** The mention's own words hold an allergy trigger: it names an allergy ("allergy to substance"). */
    public boolean allergy() {
        return named.contains(Category.ALLERGY);
    }

    public Experiencer experiencer() {
        return categories.contains(Category.FAMILY) ? Experiencer.OTHER : Experiencer.PATIENT;
    }
}
