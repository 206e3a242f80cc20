package org.caregraph.nlp;

import java.util.List;

/**
 * One entity found in a note: where it is, what it is (category and type, as Amazon Comprehend Medical names them),
 * the concepts it was linked to (best first), its assertion, the section it sits in, its trait, and its attributes (a
 * medication's dose, route, frequency...; a test's value and unit).
 *
 * @param score    confidence of the match in [0, 1]
 * @param concepts linked concepts, best first (may be empty when only the category is known)
 * @param section  the normalized section title the mention sits in (medspaCy section categories), or null
 * @param trait    what the mention is to the patient (see {@link Trait}); null for a medication taken, a test, an anatomy
 */
public record Mention(int begin, int end, String text, Category category, String type, double score,
                      List<ConceptMatch> concepts, boolean negated, Certainty certainty, Experiencer experiencer,
                      Temporality temporality, String section, Trait trait, List<Attribute> attributes) {

    public enum Category { MEDICAL_CONDITION, MEDICATION, TEST_TREATMENT_PROCEDURE, ANATOMY }

    /**
     * A MEDICAL_CONDITION is, as Amazon Comprehend Medical's traits name it, a DIAGNOSIS, a SIGN (what the clinician
     * observes: physical exam) or a SYMPTOM (what the patient reports: chief complaint, review of systems) — or an
     * ALLERGY (an allergy concept, or words like "allergy to"). A MEDICATION in an allergy context ("allergic to", an
     * allergies section) is an ALLERGEN: something the patient must not be given. ALLERGY and ALLERGEN are CareGraph's.
     */
    public enum Trait {
        DIAGNOSIS(true), SIGN(true), SYMPTOM(false), ALLERGY(false), ALLERGEN(false);

        /** Whether a mention with the trait can be what happened at the encounter (a derived Condition). */
        final boolean encounterEvent;

        Trait(boolean encounterEvent) {
            this.encounterEvent = encounterEvent;
        }
    }

    public enum Certainty { CERTAIN, UNCERTAIN }

    public enum Experiencer { PATIENT, FAMILY, OTHER }

    public enum Temporality { CURRENT, HISTORICAL, HYPOTHETICAL }

    /** A concept the mention links to: the graph's Concept key ({@code system|code}). */
    public record ConceptMatch(String key, String system, String code, String display, double score) {
    }

    /**
     * An attribute linked to the entity. {@code type} as Comprehend Medical names it: DOSAGE, STRENGTH, ROUTE_OR_MODE,
     * FREQUENCY, DURATION, FORM, TEST_VALUE, TEST_UNIT.
     */
    public record Attribute(String type, String text, int begin, int end) {
    }

    public Mention {
        concepts = List.copyOf(concepts);
        attributes = List.copyOf(attributes);
    }

    /**
     * What the note says happened to the patient at its encounter: affirmed (not negated), the patient's, certain,
     * current (neither historical nor hypothetical), not from a list of the medications the patient takes (mostly
     * prescribed at earlier encounters), and, by its trait, a diagnosis or sign — not a symptom the patient reports
     * (the chief complaint is the reason for the visit, FHIR's Encounter.reasonCode, not a diagnosis), not an allergy,
     * and not an allergen (a drug the patient is allergic to is not a drug the patient takes). Resources are derived
     * from these only; the Synthea evaluation scores them.
     */
    public boolean encounterEvent() {
        return !negated && experiencer == Experiencer.PATIENT && certainty == Certainty.CERTAIN
                && temporality == Temporality.CURRENT && !"medications".equals(section)
                && (trait == null || trait.encounterEvent);
    }
}
