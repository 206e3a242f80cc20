package org.caregraph.nlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.caregraph.nlp.Mention.Attribute;
import org.caregraph.nlp.Mention.Category;
import org.caregraph.nlp.Mention.Certainty;
import org.caregraph.nlp.Mention.Experiencer;
import org.caregraph.nlp.Mention.Temporality;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/** The pipeline without Spring, over a hand-built lexicon, on hand-written clinical text with exact expectations. */
class ClinicalPipelineTest {
    private static final String SCT = "http://snomed.info/sct";
    private static final String RX = "http://www.nlm.nih.gov/research/umls/rxnorm";
    private static final String LOINC = "http://loinc.org";
    private static final List<String> CONDITION = List.of("Condition.code");

    private static final ClinicalPipeline PIPELINE = ClinicalPipeline.of(ClinicalPipeline.withCurated(ClinicalPipeline.lexicon()
            .addConcept(SCT + "|59621000", SCT, "59621000", "Essential hypertension (disorder)", List.of(), CONDITION)
            .addConcept(SCT + "|84114007", SCT, "84114007", "Heart failure (disorder)", List.of(), CONDITION)
            .addConcept(SCT + "|88805009", SCT, "88805009", "Chronic congestive heart failure (disorder)", List.of(), CONDITION)
            .addConcept(SCT + "|44054006", SCT, "44054006", "Diabetes mellitus type 2 (disorder)", List.of(), CONDITION)
            .addConcept(SCT + "|22298006", SCT, "22298006", "Myocardial infarction (disorder)", List.of(), CONDITION)
            .addConcept(SCT + "|427359005", SCT, "427359005", "Solitary nodule of lung (disorder)", List.of("pulmonary nodule"), CONDITION)
            // no Condition uses it: the semantic tag says what it is
            .addConcept(SCT + "|29857009", SCT, "29857009", "Chest pain (finding)", List.of(), List.of())
            .addConcept(SCT + "|80891009", SCT, "80891009", "Heart structure (body structure)", List.of(), List.of())
            .addConcept(RX + "|314076", RX, "314076", "lisinopril 10 MG Oral Tablet", List.of(), List.of("MedicationRequest.medicationCodeableConcept"))
            .addConcept(LOINC + "|4548-4", LOINC, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", List.of("hemoglobin A1c"), List.of("Observation.code"))
            .addConcept(LOINC + "|2339-0", LOINC, "2339-0", "Glucose [Mass/volume] in Blood", List.of("blood glucose"), List.of("Observation.code"))
            // a code without a name or use says nothing: left out
            .addConcept("urn:x|1", "urn:x", "1", "Something", List.of(), List.of("Encounter.type")))
            .build());

    private static Mention only(List<Mention> mentions, String text) {
        List<Mention> m = mentions.stream().filter(x -> x.text().equals(text)).toList();
        assertThat(m).as("mentions named '%s' in %s", text, mentions).hasSize(1);
        return m.getFirst();
    }

    private static List<String> keys(Mention m) {
        return m.concepts().stream().map(Mention.ConceptMatch::key).toList();
    }

    @Test
    void longestMatchFirstAndSemanticTagLeftOut() {
        String text = "Known chronic congestive heart failure (disorder) and heart failure with reduced EF.";
        List<Mention> found = PIPELINE.analyze(text);
        assertThat(found).extracting(Mention::text).containsExactly("chronic congestive heart failure", "heart failure");
        Mention chf = found.getFirst();
        assertThat(chf.begin()).isEqualTo(text.indexOf("chronic"));
        assertThat(chf.end()).isEqualTo(text.indexOf(" (disorder)"));
        assertThat(keys(chf)).containsExactly(SCT + "|88805009");
        assertThat(chf.category()).isEqualTo(Category.MEDICAL_CONDITION);
        assertThat(chf.type()).isEqualTo("DX_NAME");
        assertThat(chf.score()).isEqualTo(1.0);
        assertThat(keys(found.get(1))).containsExactly(SCT + "|84114007");
    }

    @Test
    void abbreviationsOnlyInCapitalsAndInflectionsScoreLower() {
        List<Mention> found = PIPELINE.analyze("Pt with HTN, T2DM and prior MI. Walked 2 mi today. Two pulmonary nodules seen.");
        assertThat(found).extracting(Mention::text).containsExactly("HTN", "T2DM", "MI", "pulmonary nodules");
        assertThat(keys(only(found, "HTN"))).containsExactly(SCT + "|59621000");
        assertThat(only(found, "HTN").score()).isEqualTo(0.85);
        assertThat(keys(only(found, "T2DM"))).containsExactly(SCT + "|44054006");
        assertThat(keys(only(found, "MI"))).containsExactly(SCT + "|22298006");
        assertThat(only(found, "MI").temporality()).isEqualTo(Temporality.HISTORICAL); // "prior"
        Mention nodules = only(found, "pulmonary nodules");
        assertThat(keys(nodules)).containsExactly(SCT + "|427359005");
        assertThat(nodules.score()).isEqualTo(0.9); // a synonym, in the plural
    }

    @Test
    void curatedTermWithoutLoadedConceptKeepsItsCategory() {
        Mention sob = only(PIPELINE.analyze("Complains of SOB on exertion."), "SOB");
        assertThat(sob.category()).isEqualTo(Category.MEDICAL_CONDITION);
        assertThat(sob.concepts()).isEmpty();
    }

    @Test
    void negationInScopeNotAcrossSentenceNorPastTermination() {
        List<Mention> found = PIPELINE.analyze("No chest pain but essential hypertension. Denies chest pain.\nHeart failure noted.");
        assertThat(found).extracting(Mention::text)
                .containsExactly("chest pain", "essential hypertension", "chest pain", "Heart failure");
        assertThat(found).extracting(Mention::negated).containsExactly(true, false, true, false);
        assertThat(found).allMatch(m -> m.experiencer() == Experiencer.PATIENT && m.certainty() == Certainty.CERTAIN);
    }

    @Test
    void uncertaintyAndHypothetical() {
        List<Mention> found = PIPELINE.analyze("Possible myocardial infarction. Return if chest pain develops.");
        assertThat(only(found, "myocardial infarction").certainty()).isEqualTo(Certainty.UNCERTAIN);
        assertThat(only(found, "chest pain").temporality()).isEqualTo(Temporality.HYPOTHETICAL);
    }

    @Test
    void sectionsDecideExperiencerAndTime() {
        String text = "Chief Complaint: chest pain.\n\nFamily History:\nMother had myocardial infarction.\n\n"
                + "Past Medical History:\nType 2 diabetes.\n\n# Assessment and Plan\nEssential hypertension.";
        List<Mention> found = PIPELINE.analyze(text);
        assertThat(found).extracting(Mention::text)
                .containsExactly("chest pain", "myocardial infarction", "Type 2 diabetes", "Essential hypertension");
        assertThat(found).extracting(Mention::section)
                .containsExactly("chief_complaint", "family_history", "past_medical_history", "observation_and_plan");
        assertThat(found).extracting(Mention::experiencer)
                .containsExactly(Experiencer.PATIENT, Experiencer.FAMILY, Experiencer.PATIENT, Experiencer.PATIENT);
        // "had" is a ConText historical trigger; the past-history section makes the diabetes historical
        assertThat(found).extracting(Mention::temporality)
                .containsExactly(Temporality.CURRENT, Temporality.HISTORICAL, Temporality.HISTORICAL, Temporality.CURRENT);
        assertThat(keys(found.get(2))).containsExactly(SCT + "|44054006");
        assertThat(found.get(2).score()).isEqualTo(0.95); // curated synonym
    }

    @Test
    void medicationAttributes() {
        String text = "Start Lisinopril 10 mg PO daily for 30 days. Continue lisinopril 10 mg oral tablet, 1 tablet twice a day.";
        List<Mention> found = PIPELINE.analyze(text);
        assertThat(found).extracting(Mention::text).containsExactly("Lisinopril", "lisinopril 10 mg oral tablet");
        Mention start = found.getFirst();
        assertThat(start.category()).isEqualTo(Category.MEDICATION);
        assertThat(start.type()).isEqualTo("GENERIC_NAME");
        assertThat(start.concepts()).isEmpty(); // the curated ingredient name: no concept of that display is loaded
        assertThat(start.attributes()).containsExactly(
                new Attribute("STRENGTH", "10 mg", text.indexOf("10 mg"), text.indexOf("10 mg") + 5),
                new Attribute("ROUTE_OR_MODE", "PO", text.indexOf("PO"), text.indexOf("PO") + 2),
                new Attribute("FREQUENCY", "daily", text.indexOf("daily"), text.indexOf("daily") + 5),
                new Attribute("DURATION", "for 30 days", text.indexOf("for 30"), text.indexOf("for 30") + 11));
        Mention cont = found.get(1);
        assertThat(keys(cont)).containsExactly(RX + "|314076");
        assertThat(cont.score()).isEqualTo(1.0);
        int at = text.indexOf("lisinopril 10");
        assertThat(cont.attributes()).extracting(Attribute::type, Attribute::text).containsExactly(
                Tuple.tuple("STRENGTH", "10 mg"),
                Tuple.tuple("ROUTE_OR_MODE", "oral"),
                Tuple.tuple("FORM", "tablet"),
                Tuple.tuple("DOSAGE", "1 tablet"),
                Tuple.tuple("FREQUENCY", "twice a day"));
        assertThat(cont.attributes().getFirst().begin()).isEqualTo(at + "lisinopril ".length());
        // shorthand, plain or dotted; the period ending the sentence is not part of "BID"
        assertThat(only(PIPELINE.analyze("Metformin 500 mg PO BID."), "Metformin").attributes())
                .extracting(Attribute::type, Attribute::text).containsExactly(
                        Tuple.tuple("STRENGTH", "500 mg"),
                        Tuple.tuple("ROUTE_OR_MODE", "PO"),
                        Tuple.tuple("FREQUENCY", "BID"));
        assertThat(only(PIPELINE.analyze("aspirin 81 mg p.o. q.d. x 14 days"), "aspirin").attributes())
                .extracting(Attribute::text).containsExactly("81 mg", "p.o.", "q.d.", "x 14 days");
    }

    @Test
    void labValuesAndUnits() {
        String text = "HbA1c 7.2 %, blood glucose was 180 mg/dL and hemoglobin A1c pending.";
        List<Mention> found = PIPELINE.analyze(text);
        assertThat(found).extracting(Mention::text).containsExactly("HbA1c", "blood glucose", "hemoglobin A1c");
        assertThat(found).allMatch(m -> m.type().equals("TEST_NAME") && m.category() == Category.TEST_TREATMENT_PROCEDURE);
        assertThat(keys(found.getFirst())).containsExactly(LOINC + "|4548-4");
        assertThat(found.getFirst().attributes()).containsExactly(
                new Attribute("TEST_VALUE", "7.2", text.indexOf("7.2"), text.indexOf("7.2") + 3),
                new Attribute("TEST_UNIT", "%", text.indexOf("%"), text.indexOf("%") + 1));
        assertThat(found.get(1).attributes()).extracting(Attribute::text).containsExactly("180", "mg/dL");
        assertThat(found.get(2).attributes()).isEmpty();
    }

    @Test
    void anatomyAndVersion() {
        Mention heart = only(PIPELINE.analyze("Heart structure normal."), "Heart structure");
        assertThat(heart.category()).isEqualTo(Category.ANATOMY);
        assertThat(heart.type()).isEqualTo("SYSTEM_ORGAN_SITE");
        assertThat(PIPELINE.analyze("Something happened.")).isEmpty();
        // the version is a hash of the content: the same terms give the same version, another term another one
        Lexicon same = ClinicalPipeline.withCurated(ClinicalPipeline.lexicon()).build();
        Lexicon more = ClinicalPipeline.withCurated(ClinicalPipeline.lexicon()
                .addConcept(SCT + "|1", SCT, "1", "Zebra fever (disorder)", List.of(), CONDITION)).build();
        assertThat(same.version()).isEqualTo(ClinicalPipeline.withCurated(ClinicalPipeline.lexicon()).build().version());
        assertThat(more.version()).isNotEqualTo(same.version());
        assertThat(PIPELINE.version()).endsWith(PIPELINE.lexiconInUse().version());
    }
}
