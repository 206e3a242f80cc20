package org.caregraph.nlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.caregraph.nlp.Assertion.Experiencer;
import org.junit.jupiter.api.Test;

/** One or more hand-written sentences per ConText family; the target is the quoted word(s) in the sentence. */
class ContextEngineTest {
    private static final ContextEngine ENGINE = ContextEngine.standard();

    /** Assertion for the first occurrence of {@code target} in {@code text}. */
    private static Assertion of(String text, String target) {
        int at = text.indexOf(target);
        assertThat(at).as("target in text").isGreaterThanOrEqualTo(0);
        return ENGINE.assessInText(text, at, at + target.length());
    }

    @Test
    void negationForwardBackwardAndLists() {
        assertThat(of("Patient denies chest pain.", "chest pain").negated()).isTrue();
        assertThat(of("Extremities: no clubbing, cyanosis, or edema.", "edema").negated()).isTrue();
        assertThat(of("Pulmonary embolism was ruled out.", "Pulmonary embolism").negated()).isTrue();
        assertThat(of("Skin: no rashes.", "rashes").negated()).isTrue();
        assertThat(of("Patient reports chest pain.", "chest pain").negated()).isFalse();
        // a trigger after the target does not negate forward
        assertThat(of("Chest pain, no fever.", "Chest pain").negated()).isFalse();
    }

    @Test
    void terminationAndPseudoTriggersBlock() {
        assertThat(of("No fever but has a cough.", "cough").negated()).isFalse();
        assertThat(of("No fever but has a cough.", "fever").negated()).isTrue();
        assertThat(of("There is no increase in the effusion.", "effusion").negated()).isFalse();
        assertThat(of("CT abdomen without contrast shows appendicitis.", "appendicitis").negated()).isFalse();
        assertThat(of("Not only pneumonia but also sepsis.", "pneumonia").negated()).isFalse();
    }

    @Test
    void scopeEndsWithTheSentence() {
        String text = "No fever. Cough for 3 days.";
        assertThat(of(text, "fever").negated()).isTrue();
        assertThat(of(text, "Cough").negated()).isFalse();
        // the same words as one sentence: the negation reaches on
        assertThat(ENGINE.assess("No fever, cough for 3 days.", 10, 15).negated()).isTrue();
    }

    @Test
    void uncertainty() {
        Assertion a = of("Rule out pneumonia.", "pneumonia");
        assertThat(a.uncertain()).isTrue();
        assertThat(a.negated()).isFalse();
        assertThat(of("Findings are consistent with possible pneumonia.", "pneumonia").uncertain()).isTrue();
        assertThat(of("Findings are consistent with pneumonia.", "pneumonia").uncertain()).isFalse();
    }

    @Test
    void hypothetical() {
        assertThat(of("Return to the ED if chest pain recurs.", "chest pain").hypothetical()).isTrue();
        assertThat(of("She has chest pain.", "chest pain").hypothetical()).isFalse();
    }

    @Test
    void historical() {
        assertThat(of("History of myocardial infarction.", "myocardial infarction").historical()).isTrue();
        assertThat(of("Patient is status post appendectomy.", "appendectomy").historical()).isTrue();
        assertThat(of("Acute myocardial infarction today.", "myocardial infarction").historical()).isFalse();
    }

    @Test
    void experiencer() {
        assertThat(of("Mother had breast cancer.", "breast cancer").experiencer()).isEqualTo(Experiencer.OTHER);
        assertThat(of("Family history of diabetes.", "diabetes").experiencer()).isEqualTo(Experiencer.OTHER);
        assertThat(of("Patient has diabetes.", "diabetes").experiencer()).isEqualTo(Experiencer.PATIENT);
    }

    @Test
    void targetOutsideTheSentenceIsRejected() {
        assertThatThrownBy(() -> ENGINE.assess("No fever.", 3, 40)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ENGINE.assess("No fever.", 5, 5)).isInstanceOf(IllegalArgumentException.class);
    }
}
