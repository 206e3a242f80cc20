package org.caregraph.nlp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import opennlp.tools.tokenize.SimpleTokenizer;
import opennlp.tools.util.Span;

/**
 * Tokenizer for clinical text. OpenNLP's SimpleTokenizer splits at every change of character class, which cuts
 * clinical shorthand apart ("y.o." → y . o ., "2.5" → 2 . 5, "120/80" → 120 / 80, "s/p" → s / p). Touching pieces
 * are joined again when together they form one clinical unit: dotted abbreviations, decimals, slashed pairs (vitals,
 * ratios, s/p, r/o) and contractions. Dosages stay split ("5mg" → 5 mg) so a unit is its own token, and so do
 * hyphenated words ("two-day" → two - day), as spaCy splits them: the medspaCy and NegEx rules were written for that.
 */
public final class ClinicalTokenizer {

    private static final Pattern UNIT = Pattern.compile(
            "\\p{L}(\\.\\p{L})+\\.?"                 // y.o. b.i.d. q.d. p.r.n. e.g.
            + "|\\d+(\\.\\d+)+"                       // 2.5  98.6
            + "|[\\p{L}\\d]+([/'][\\p{L}\\d]+)+"      // 120/80 s/p r/o don't
            + "|\\p{L}[\\p{L}\\d]*");                   // SpO2 HbA1c B12 (a dosage "5mg" starts with a digit: split)
    /** Longest unit in SimpleTokenizer pieces ("b . i . d ." is 6). */
    private static final int MAX_PIECES = 12;

    public List<Token> tokenize(String text) {
        Span[] pieces = SimpleTokenizer.INSTANCE.tokenizePos(text);
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        while (i < pieces.length) {
            int last = i;
            for (int j = i + 1; j < pieces.length && j < i + MAX_PIECES
                    && pieces[j - 1].getEnd() == pieces[j].getStart(); j++) {
                if (UNIT.matcher(text.substring(pieces[i].getStart(), pieces[j].getEnd())).matches()) {
                    last = j;
                }
            }
            int begin = pieces[i].getStart();
            int end = pieces[last].getEnd();
            tokens.add(new Token(begin, end, text.substring(begin, end).toLowerCase(Locale.ROOT)));
            i = last + 1;
        }
        return tokens;
    }
}
