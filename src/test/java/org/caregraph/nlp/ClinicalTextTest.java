package org.caregraph.nlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import opennlp.tools.util.Span;
import org.junit.jupiter.api.Test;

/** Tokenizing and sentence splitting of clinical shorthand: abbreviations, dosages, vitals, lists, flattened notes. */
class ClinicalTextTest {
    private final ClinicalTokenizer tokenizer = new ClinicalTokenizer();
    private final SentenceSplitter splitter = new SentenceSplitter();

    private List<String> tokens(String text) {
        return tokenizer.tokenize(text).stream().map(t -> text.substring(t.begin(), t.end())).toList();
    }

    private List<String> sentences(String text) {
        return splitter.split(text).stream().map(s -> s.getCoveredText(text).toString()).toList();
    }

    @Test
    void abbreviationsStayWhole() {
        assertThat(tokens("45 y.o. male, s/p CABG, r/o MI"))
                .containsExactly("45", "y.o.", "male", ",", "s/p", "CABG", ",", "r/o", "MI");
        assertThat(tokens("Tylenol 500mg p.o. q.d. p.r.n. pain, metoprolol 12.5 mg b.i.d."))
                .containsExactly("Tylenol", "500", "mg", "p.o.", "q.d.", "p.r.n.", "pain", ",", "metoprolol", "12.5",
                        "mg", "b.i.d.");
    }

    @Test
    void vitalsStayWholeHyphensSplitAsInSpacy() {
        assertThat(tokens("BP 120/80, HR 72, T 98.6F, SpO2 97% on 2L; non-tender x-ray"))
                .containsExactly("BP", "120/80", ",", "HR", "72", ",", "T", "98.6", "F", ",", "SpO2", "97", "%", "on",
                        "2", "L", ";", "non", "-", "tender", "x", "-", "ray");
        Token t = tokenizer.tokenize("Pt's BP").get(0);
        assertThat(t).isEqualTo(new Token(0, 4, "pt's"));
    }

    @Test
    void sentencesIgnoreAbbreviationsAndNumbers() {
        assertThat(sentences("Pt is a 45 y.o. M with CP. Seen by Dr. Smith today. Temp 98.6 and BP 120/80. "
                + "Given ASA 81 mg. daily. No fever!"))
                .containsExactly("Pt is a 45 y.o. M with CP.", "Seen by Dr. Smith today.", "Temp 98.6 and BP 120/80.",
                        "Given ASA 81 mg. daily.", "No fever!");
        assertThat(sentences("Chest pain: no. Fever: yes.")).containsExactly("Chest pain: no.", "Fever: yes.");
    }

    @Test
    void listsHeadersAndLineBreaks() {
        assertThat(sentences("Plan:\n1. Metformin 500 mg b.i.d.\n2. Lisinopril 10 mg q.d.\n- follow up in 2 wks\n\nAllergies: none"))
                .containsExactly("Plan:", "1. Metformin 500 mg b.i.d.", "2. Lisinopril 10 mg q.d.",
                        "- follow up in 2 wks", "Allergies: none");
        // a line break inside a sentence does not split it
        assertThat(sentences("Patient denies chest pain\nor shortness of breath.")).hasSize(1);
        // notes whose line breaks were flattened to runs of spaces: headers still start sentences
        assertThat(sentences("Measurements Not Obtainable    REFERRING DIAGNOSIS: CHEST PAIN  1) Follow-up"))
                .containsExactly("Measurements Not Obtainable", "REFERRING DIAGNOSIS: CHEST PAIN", "1) Follow-up");
    }

    @Test
    void spansAreOffsetsIntoTheText() {
        String text = "  Stable.  ";
        assertThat(splitter.split(text)).containsExactly(new Span(2, 9));
    }
}
