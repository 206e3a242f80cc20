package org.caregraph.nlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.caregraph.nlp.Mention.Category;
import org.caregraph.nlp.Mention.Trait;
import org.junit.jupiter.api.Test;

/**
 * Traits on hand-written notes: a condition is a SYMPTOM, SIGN or DIAGNOSIS by its section, or an ALLERGY; a
 * medication in an allergy context is an ALLERGEN; only diagnoses, signs and medications taken are encounter events.
 */
class ClinicalPipelineTraitsTest {
    private static final String SCT = "http://snomed.info/sct";
    private static final String RX = "http://www.nlm.nih.gov/research/umls/rxnorm";
    private static final List<String> CONDITION = List.of("Condition.code");
    private static final List<String> ALLERGY_CODE = List.of("AllergyIntolerance.code");
    private static final List<String> PRESCRIBED = List.of("MedicationRequest.medicationCodeableConcept");

    private static final ClinicalPipeline PIPELINE = ClinicalPipeline.of(ClinicalPipeline.withCurated(ClinicalPipeline.lexicon()
            .addConcept(SCT + "|49727002", SCT, "49727002", "Cough (finding)", List.of(), CONDITION)
            .addConcept(SCT + "|56018004", SCT, "56018004", "Wheezing (finding)", List.of(), List.of())
            .addConcept(SCT + "|271807003", SCT, "271807003", "Eruption of skin (disorder)", List.of("rash"), CONDITION)
            .addConcept(SCT + "|10509002", SCT, "10509002", "Acute bronchitis (disorder)", List.of(), CONDITION)
            .addConcept(SCT + "|444814009", SCT, "444814009", "Viral sinusitis (disorder)", List.of(), CONDITION)
            .addConcept(SCT + "|367498001", SCT, "367498001", "Seasonal allergic rhinitis (disorder)", List.of(), CONDITION)
            // as Synthea codes allergies: the allergy concept and the allergens at AllergyIntolerance.code
            .addConcept(SCT + "|419199007", SCT, "419199007", "Allergy to substance (finding)", List.of(), ALLERGY_CODE)
            .addConcept(SCT + "|300916003", SCT, "300916003", "Latex allergy (finding)", List.of(), ALLERGY_CODE)
            .addConcept(SCT + "|91935009", SCT, "91935009", "Allergy to peanut (finding)", List.of(), List.of())
            .addConcept(RX + "|1191", RX, "1191", "Aspirin", List.of(), ALLERGY_CODE)
            .addConcept(RX + "|7980", RX, "7980", "Penicillin G", List.of("penicillin"), ALLERGY_CODE)
            .addConcept(RX + "|314076", RX, "314076", "lisinopril 10 MG Oral Tablet", List.of(), PRESCRIBED))
            .build());

    private static Mention only(List<Mention> mentions, String text) {
        List<Mention> m = mentions.stream().filter(x -> x.text().equals(text)).toList();
        assertThat(m).as("mentions named '%s' in %s", text, mentions).hasSize(1);
        return m.getFirst();
    }

    @Test
    void aConditionIsASymptomSignOrDiagnosisByItsSection() {
        String text = "# Chief Complaint\n- Wheezing\n- Cough\n\n# Review of Systems\nPositive for wheezing.\n\n"
                + "# Physical Exam\nRash on the forearm.\n\n# Assessment and Plan\nPatient is presenting with cough (finding).";
        List<Mention> found = PIPELINE.analyze(text);
        assertThat(found).extracting(Mention::text).containsExactly("Wheezing", "Cough", "wheezing", "Rash", "cough");
        assertThat(found).extracting(Mention::section).containsExactly("chief_complaint", "chief_complaint",
                "review_of_systems", "physical_exam", "observation_and_plan");
        assertThat(found).extracting(Mention::trait)
                .containsExactly(Trait.SYMPTOM, Trait.SYMPTOM, Trait.SYMPTOM, Trait.SIGN, Trait.DIAGNOSIS);
        // the chief complaint is the reason for the visit: the same cough is an encounter event only as a diagnosis
        assertThat(found).extracting(Mention::encounterEvent).containsExactly(false, false, false, true, true);
        assertThat(found).allMatch(m -> !m.negated() && m.temporality() == Mention.Temporality.CURRENT);
        // outside any section a condition is a diagnosis
        assertThat(only(PIPELINE.analyze("Cough for three days."), "Cough").trait()).isEqualTo(Trait.DIAGNOSIS);
    }

    @Test
    void aMedicationAfterAnAllergyTriggerIsAnAllergenUntilTheSentenceOrScopeEnds() {
        List<Mention> found = PIPELINE.analyze("Allergic to penicillin. Started lisinopril 10 mg oral tablet.");
        Mention penicillin = only(found, "penicillin");
        assertThat(penicillin.category()).isEqualTo(Category.MEDICATION);
        assertThat(penicillin.trait()).isEqualTo(Trait.ALLERGEN);
        assertThat(penicillin.negated()).isFalse();
        assertThat(penicillin.encounterEvent()).isFalse();
        // the allergy sentence has ended: the next medication is one the patient takes
        Mention lisinopril = only(found, "lisinopril 10 mg oral tablet");
        assertThat(lisinopril.trait()).isNull();
        assertThat(lisinopril.encounterEvent()).isTrue();

        // the family of triggers, and a list after one
        for (String text : List.of("Hypersensitivity to aspirin and penicillin.", "Drug allergies: aspirin, penicillin.",
                "She reports intolerance to aspirin, penicillin.", "Known allergy to aspirin; penicillin.")) {
            assertThat(PIPELINE.analyze(text)).as(text).extracting(Mention::trait).containsExactly(Trait.ALLERGEN, Trait.ALLERGEN);
        }
        // a terminator or a medication-use verb ends the scope within the sentence
        assertThat(PIPELINE.analyze("Allergic to penicillin but takes aspirin daily.")).extracting(Mention::text, Mention::trait)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("penicillin", Trait.ALLERGEN),
                        org.assertj.core.groups.Tuple.tuple("aspirin", null));
        assertThat(only(PIPELINE.analyze("Allergic to penicillin, tolerates aspirin."), "aspirin").trait()).isNull();
        // a medication before the trigger is not in its forward scope
        assertThat(PIPELINE.analyze("Continues aspirin; allergic to penicillin.")).extracting(Mention::trait)
                .containsExactly(null, Trait.ALLERGEN);
        // no allergy words at all: a medication taken
        assertThat(only(PIPELINE.analyze("Aspirin 81 mg daily."), "Aspirin").encounterEvent()).isTrue();
    }

    @Test
    void everyMedicationOfAnAllergiesSectionIsAnAllergen() {
        String text = "# Allergies\nAspirin\nPenicillin\n\n# Assessment and Plan\nAspirin 81 mg daily.";
        List<Mention> found = PIPELINE.analyze(text);
        // medspaCy files "ALLERGIES:" (the first of its "allergies" titles) under its category "allergy"
        assertThat(found).extracting(Mention::section).containsExactly("allergy", "allergy", "observation_and_plan");
        assertThat(found).extracting(Mention::trait).containsExactly(Trait.ALLERGEN, Trait.ALLERGEN, null);
        assertThat(found).extracting(Mention::encounterEvent).containsExactly(false, false, true);
        // a header with the list on its line
        assertThat(only(PIPELINE.analyze("ALLERGIC REACTIONS: Penicillin (hives).\nAspirin daily."), "Penicillin").trait())
                .isEqualTo(Trait.ALLERGEN);
    }

    @Test
    void anAllergyIsNoDiagnosisAndItsAllergensAreNoMedicationsTaken() {
        // Synthea: the allergy concept names the allergens after it and opens their scope; a disorder stays a diagnosis
        String text = "Patient is presenting with allergy to substance (finding), aspirin, eggs (edible) (substance), "
                + "acute bronchitis (disorder).";
        List<Mention> found = PIPELINE.analyze(text);
        assertThat(found).extracting(Mention::text).containsExactly("allergy to substance", "aspirin", "acute bronchitis");
        assertThat(found).extracting(Mention::trait).containsExactly(Trait.ALLERGY, Trait.ALLERGEN, Trait.DIAGNOSIS);
        assertThat(found).extracting(Mention::encounterEvent).containsExactly(false, false, true);

        // an allergy by its concept (coded at AllergyIntolerance.code), without allergy words around it
        assertThat(only(PIPELINE.analyze("Latex allergy noted."), "Latex allergy").trait()).isEqualTo(Trait.ALLERGY);
        // an allergy by its own words, though no AllergyIntolerance codes it
        Mention peanut = only(PIPELINE.analyze("She has an allergy to peanut (finding)."), "allergy to peanut");
        assertThat(peanut.trait()).isEqualTo(Trait.ALLERGY);
        assertThat(peanut.encounterEvent()).isFalse();
        // "allergic" alone is no allergy trigger: allergic rhinitis is a diagnosis, and so is what follows it
        List<Mention> rhinitis = PIPELINE.analyze("Seasonal allergic rhinitis and viral sinusitis, on aspirin.");
        assertThat(rhinitis).extracting(Mention::trait).containsExactly(Trait.DIAGNOSIS, Trait.DIAGNOSIS, null);
        assertThat(rhinitis).allMatch(Mention::encounterEvent);
        // a negated allergy trigger: still an allergy context, and not a medication taken either way
        Mention denied = only(PIPELINE.analyze("No known allergy to aspirin."), "aspirin");
        assertThat(denied.negated()).isTrue();
        assertThat(denied.encounterEvent()).isFalse();
    }

    @Test
    void whatAConceptIsFollowsWhereItIsCoded() {
        assertThat(ConceptCategory.of(SCT, "Latex allergy (finding)", ALLERGY_CODE).allergy()).isTrue();
        assertThat(ConceptCategory.of(SCT, "Latex allergy (finding)", CONDITION).allergy()).isFalse();
        // allergens coded at AllergyIntolerance.code are no allergies: a drug stays a medication
        ConceptCategory.Kinded aspirin = ConceptCategory.of(RX, "Aspirin", ALLERGY_CODE);
        assertThat(aspirin.category()).isEqualTo(Category.MEDICATION);
        assertThat(aspirin.allergy()).isFalse();
        assertThat(ConceptCategory.of(SCT, "Peanut (substance)", ALLERGY_CODE)).isNull();
    }
}
