package org.caregraph.nlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.caregraph.nlp.Assertion.Experiencer;
import org.caregraph.nlp.ContextRules.Category;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Hand-written sentences per ConText family: text | target (its first occurrence) | category | expected. */
class ContextEngineTest {
    private static final ContextEngine ENGINE = ContextEngine.standard();

    private static Assertion of(String text, String target) {
        int at = text.indexOf(target);
        assertThat(at).as("target in text").isGreaterThanOrEqualTo(0);
        return ENGINE.assessInText(text, at, at + target.length());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            Patient denies chest pain.                       | chest pain            | NEGATED_EXISTENCE  | true
            Extremities: no clubbing, cyanosis, or edema.    | edema                 | NEGATED_EXISTENCE  | true
            Pulmonary embolism was ruled out.                | Pulmonary embolism    | NEGATED_EXISTENCE  | true
            Skin: no rashes.                                 | rashes                | NEGATED_EXISTENCE  | true
            Patient reports chest pain.                      | chest pain            | NEGATED_EXISTENCE  | false
            Chest pain, no fever.                            | Chest pain            | NEGATED_EXISTENCE  | false
            No fever but has a cough.                        | cough                 | NEGATED_EXISTENCE  | false
            No fever but has a cough.                        | fever                 | NEGATED_EXISTENCE  | true
            There is no increase in the effusion.            | effusion              | NEGATED_EXISTENCE  | false
            CT abdomen without contrast shows appendicitis.  | appendicitis          | NEGATED_EXISTENCE  | false
            Not only pneumonia but also sepsis.              | pneumonia             | NEGATED_EXISTENCE  | false
            No fever. Cough for 3 days.                      | fever                 | NEGATED_EXISTENCE  | true
            No fever. Cough for 3 days.                      | Cough                 | NEGATED_EXISTENCE  | false
            No fever and cough for 3 days.                   | cough                 | NEGATED_EXISTENCE  | true
            Urine negative for protein, positive for glucose.| glucose               | NEGATED_EXISTENCE  | false
            Urine negative for protein, positive for glucose.| protein               | NEGATED_EXISTENCE  | true
            ROS is -ve for weight loss.                      | weight loss           | NEGATED_EXISTENCE  | true
            Rule out pneumonia.                              | pneumonia             | POSSIBLE_EXISTENCE | true
            Rule out pneumonia.                              | pneumonia             | NEGATED_EXISTENCE  | false
            Findings are consistent with possible pneumonia. | pneumonia             | POSSIBLE_EXISTENCE | true
            Findings are consistent with pneumonia.          | pneumonia             | POSSIBLE_EXISTENCE | false
            Return to the ED if chest pain recurs.           | chest pain            | HYPOTHETICAL       | true
            She has chest pain.                              | chest pain            | HYPOTHETICAL       | false
            History of myocardial infarction.                | myocardial infarction | HISTORICAL         | true
            Patient is status post appendectomy.             | appendectomy          | HISTORICAL         | true
            Acute myocardial infarction today.               | myocardial infarction | HISTORICAL         | false
            She has a two-day history of fever.              | fever                 | HISTORICAL         | false
            Past medical history of CAD, s/p CABG, and PVD.  | PVD                   | HISTORICAL         | true
            Allergic to penicillin and sulfa.                | sulfa                 | ALLERGY            | true
            Allergies: penicillin.                           | penicillin            | ALLERGY            | true
            Allergic to penicillin but takes aspirin.        | aspirin               | ALLERGY            | false
            Aspirin daily; allergic to penicillin.           | Aspirin               | ALLERGY            | false
            Allergic rhinitis, on loratadine.                | loratadine            | ALLERGY            | false
            Allergic to penicillin. Takes aspirin.           | aspirin               | ALLERGY            | false
            """)
    void family(String text, String target, Category category, boolean expected) {
        Assertion a = of(text, target);
        assertThat(a.categories().contains(category)).as(a.toString()).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            Mother had breast cancer.    | breast cancer | OTHER
            Family history of diabetes.  | diabetes      | OTHER
            Patient has diabetes.        | diabetes      | PATIENT
            """)
    void experiencer(String text, String target, Experiencer experiencer) {
        assertThat(of(text, target).experiencer()).isEqualTo(experiencer);
    }

    @Test
    void targetOutsideTheSentenceIsRejected() {
        assertThatThrownBy(() -> ENGINE.assess("No fever.", 3, 40)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ENGINE.assess("No fever.", 5, 5)).isInstanceOf(IllegalArgumentException.class);
    }
}
