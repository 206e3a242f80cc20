package org.caregraph.fhir.search;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code _text} or {@code _content} value as a Lucene query on one field of the full-text index: its words are all
 * required (each a phrase of the tokens the analyzer makes of it), {@code "quoted phrases"} stay phrases, a trailing
 * {@code *} is a prefix; every other Lucene operator is escaped, so a value is always words, never query syntax the
 * client did not mean.
 */
final class FullTextQuery {
    private static final Pattern TERM = Pattern.compile("\"([^\"]*)\"|(\\S+)");
    private static final String SPECIAL = "+-&|!(){}[]^\"~*?:\\/";

    private FullTextQuery() {
    }

    /** {@code field:(a AND b AND "c d")}; a value with no word is a 400. */
    static String clause(String field, String value) {
        List<String> terms = new ArrayList<>();
        Matcher m = TERM.matcher(value);
        while (m.find()) {
            if (m.group(1) != null) {
                String phrase = escape(m.group(1).strip());
                if (!phrase.isEmpty()) terms.add("\"" + phrase + "\"");
            } else {
                String word = m.group(2);
                boolean prefix = word.length() > 1 && word.endsWith("*");
                String escaped = escape(prefix ? word.substring(0, word.length() - 1) : word);
                if (escaped.isEmpty() || List.of("AND", "OR", "NOT").contains(word)) continue;
                // a word the analyzer splits ("sec-code-b", "8302-2") is a phrase of its parts, not any one of them
                terms.add(prefix ? escaped + "*" : "\"" + escaped + "\"");
            }
        }
        if (terms.isEmpty()) throw SearchPlanner.bad("'" + value + "' has no word to search for");
        return field + ":(" + String.join(" AND ", terms) + ")";
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (SPECIAL.indexOf(c) >= 0) out.append('\\');
            out.append(c);
        }
        return out.toString();
    }
}
