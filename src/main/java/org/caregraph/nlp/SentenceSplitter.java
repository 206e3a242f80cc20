package org.caregraph.nlp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import opennlp.tools.sentdetect.DefaultEndOfSentenceScanner;
import opennlp.tools.util.Span;

/**
 * Rule-based sentence splitter for clinical text, without a trained model (none ships with a compatible licence).
 * OpenNLP's end-of-sentence scanner proposes every '.', '!', '?'; a candidate is kept only when it does not end a
 * clinical abbreviation (y.o., b.i.d., Dr., mg.), is not inside a number (98.6) and is followed by whitespace and then
 * something that can open a sentence. Line structure counts too: a blank line, and a new line that starts a list item
 * ("1.", "2)", "-", "*") or a section header ("Plan:"), always split.
 */
public final class SentenceSplitter {

    /** Abbreviations after which a period does not end a sentence (lower case, without the final dot). */
    private static final Set<String> ABBREVIATIONS = Set.of(
            "dr", "mr", "mrs", "ms", "pt", "pts", "mg", "mcg", "ml", "kg", "cm", "mm", "hr", "hrs", "min", "approx",
            "vs", "etc", "st", "inc", "co", "jr", "sr", "fig", "tab", "tabs", "cap", "caps", "susp", "inj",
            "q", "qd", "bid", "tid", "qid", "qhs", "prn", "po", "iv", "im", "sq", "sc", "subq", "hx", "dx", "rx", "tx",
            "sx", "fx", "yo", "y", "yrs", "wk", "wks", "mo", "mos", "oz", "lb", "lbs", "ft", "in", "dept", "univ");
    private static final Pattern DOTTED = Pattern.compile("\\p{L}(\\.\\p{L})+");
    private static final Pattern LIST_OR_HEADER = Pattern.compile(
            "(\\d{1,2}[.)]\\s|[-*•]\\s|[A-Z][A-Za-z /]{1,40}:)");

    private static final Pattern FLATTENED_BREAK = Pattern.compile(
            "[ \t]{2,}(?=\\d{1,2}[.)]\\s|[A-Z][A-Za-z0-9 /()&-]{1,40}:)");

    private final DefaultEndOfSentenceScanner scanner = new DefaultEndOfSentenceScanner(new char[] {'.', '!', '?'});

    public List<Span> split(String text) {
        List<Integer> cuts = new ArrayList<>();
        for (int pos : scanner.getPositions(text)) {
            if (endsSentence(text, pos)) {
                cuts.add(pos + 1);
            }
        }
        for (int nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) {
            if (newLineSplits(text, nl)) {
                cuts.add(nl + 1);
            }
        }
        // exported notes often lose their line breaks and keep only a run of spaces: a header or list item after
        // such a run starts a sentence just as it would after a line break
        Matcher flattened = FLATTENED_BREAK.matcher(text);
        while (flattened.find()) {
            cuts.add(flattened.end());
        }
        cuts.sort(null);
        List<Span> sentences = new ArrayList<>();
        int start = 0;
        for (int cut : cuts) {
            add(sentences, text, start, cut);
            start = Math.max(start, cut);
        }
        add(sentences, text, start, text.length());
        return sentences;
    }

    private static boolean endsSentence(String text, int pos) {
        char c = text.charAt(pos);
        int next = pos + 1;
        // "...?)" or '."' : closing brackets and quotes stay with their sentence
        while (next < text.length() && ".!?)]\"'".indexOf(text.charAt(next)) >= 0) {
            if (text.charAt(next) == '.' || text.charAt(next) == '!' || text.charAt(next) == '?') {
                return false; // the last of a run of terminators is the candidate
            }
            next++;
        }
        if (next < text.length() && !Character.isWhitespace(text.charAt(next))) {
            return false; // 98.6, y.o, e.g.x
        }
        if (c != '.') {
            return true;
        }
        int wordStart = pos;
        while (wordStart > 0 && !Character.isWhitespace(text.charAt(wordStart - 1)) && text.charAt(wordStart - 1) != '(') {
            wordStart--;
        }
        String word = text.substring(wordStart, pos);
        if (word.matches("\\d{1,2}") && startsLine(text, wordStart)) {
            return false; // "1." opening a list item
        }
        String lower = word.toLowerCase(Locale.ROOT);
        int ahead = next;
        while (ahead < text.length() && Character.isWhitespace(text.charAt(ahead)) && text.charAt(ahead) != '\n') {
            ahead++;
        }
        boolean lowerFollows = ahead < text.length() && Character.isLowerCase(text.charAt(ahead));
        if (lowerFollows) {
            return false; // a sentence does not open in lower case: "5 mg. daily", "45 y.o. male"
        }
        if (ABBREVIATIONS.contains(lower) || DOTTED.matcher(word).matches()
                || (word.length() == 1 && Character.isUpperCase(word.charAt(0)))) {
            // an abbreviation ends a sentence only at a line break: "Pt is 45 y.o.\nHx of ..."
            return ahead < text.length() && text.charAt(ahead) == '\n';
        }
        return true;
    }

    /** Only blanks between the line start (or a flattened break of 2+ spaces) and {@code at}. */
    private static boolean startsLine(String text, int at) {
        int spaces = 0;
        for (int i = at - 1; i >= 0; i--) {
            char c = text.charAt(i);
            if (c == '\n') {
                return true;
            }
            if (c != ' ' && c != '\t') {
                return spaces >= 2;
            }
            spaces++;
        }
        return true;
    }

    private static boolean newLineSplits(String text, int nl) {
        int ahead = nl + 1;
        while (ahead < text.length() && (text.charAt(ahead) == ' ' || text.charAt(ahead) == '\t' || text.charAt(ahead) == '\r')) {
            ahead++;
        }
        if (ahead >= text.length() || text.charAt(ahead) == '\n') {
            return true; // blank line
        }
        return LIST_OR_HEADER.matcher(text).region(ahead, text.length()).lookingAt();
    }

    private static void add(List<Span> sentences, String text, int start, int end) {
        while (start < end && Character.isWhitespace(text.charAt(start))) {
            start++;
        }
        while (end > start && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        if (end > start) {
            sentences.add(new Span(start, end));
        }
    }
}
