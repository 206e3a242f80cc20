package org.caregraph.cypher;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The lexical checks the query plan cannot show: one statement per request and no {@code USE} clause (which would
 * read another database than the application's). Strings, backtick names and comments are skipped, so a {@code ;} or
 * the word {@code use} inside them, or a variable or property named {@code use}, is not mistaken for a clause.
 */
final class CypherText {
    /** Tokens after which a clause, hence a {@code USE} clause, can start. */
    private static final Set<String> CLAUSE_START = Set.of("{", "UNION", "ALL", "DISTINCT", "EXPLAIN", "PROFILE");

    /**
     * Deeper bracket nesting is refused before the database sees it: Neo4j's parser and planner take minutes over a
     * few thousand levels (malformed ones above all), outside the transaction timeout (found by ApiFuzzProperties).
     */
    static final int MAX_NESTING = 100;

    private CypherText() {
    }

    /** Throws when the text holds more than one statement, a {@code USE} clause or brackets nested too deep. */
    static void check(String query) {
        List<String> tokens = tokens(query);
        int depth = 0;
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (t.equals("(") || t.equals("[") || t.equals("{")) depth++;
            else if (t.equals(")") || t.equals("]") || t.equals("}")) depth = Math.max(0, depth - 1);
            if (depth > MAX_NESTING) {
                throw CypherException.badRequest("brackets nested more than " + MAX_NESTING + " deep");
            }
            if (t.equals(";") && i + 1 < tokens.size()) {
                throw CypherException.badRequest("one statement per request: remove the text after ';'");
            }
            if (t.equalsIgnoreCase("USE") && startsClause(tokens, i) && i + 1 < tokens.size()
                    && isName(tokens.get(i + 1))) {
                throw CypherException.rejected("USE is not allowed: the endpoint reads the application's database only");
            }
        }
    }

    private static boolean startsClause(List<String> tokens, int i) {
        if (i == 0) return true;
        String prev = tokens.get(i - 1).toUpperCase(Locale.ROOT);
        if (CLAUSE_START.contains(prev)) return true;
        // Pre-parser options before the first clause: CYPHER 25, CYPHER runtime=slotted.
        String before = i >= 2 ? tokens.get(i - 2).toUpperCase(Locale.ROOT) : "";
        return before.equals("CYPHER") || before.equals("=") && tokens.subList(0, i).stream().anyMatch("CYPHER"::equalsIgnoreCase);
    }

    private static boolean isName(String token) {
        char c = token.charAt(0);
        return c == '`' || Character.isLetter(c) || c == '_';
    }

    /** Words, numbers, backtick names (kept with their backticks) and single symbols; strings and comments dropped. */
    static List<String> tokens(String q) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = q.length();
        while (i < n) {
            char c = q.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '/' && i + 1 < n && q.charAt(i + 1) == '/') {
                while (i < n && q.charAt(i) != '\n') i++;
            } else if (c == '/' && i + 1 < n && q.charAt(i + 1) == '*') {
                int end = q.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (c == '\'' || c == '"') {
                i = i + 1;
                while (i < n && q.charAt(i) != c) i += q.charAt(i) == '\\' ? 2 : 1;
                i++;
            } else if (c == '`') {
                int start = i++;
                // A doubled backtick is an escaped backtick inside the name.
                while (i < n && !(q.charAt(i) == '`' && (i + 1 >= n || q.charAt(i + 1) != '`'))) i += q.charAt(i) == '`' ? 2 : 1;
                out.add(q.substring(start, Math.min(++i, n)));
            } else if (Character.isLetterOrDigit(c) || c == '_') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(q.charAt(i)) || q.charAt(i) == '_')) i++;
                out.add(q.substring(start, i));
            } else {
                out.add(String.valueOf(c));
                i++;
            }
        }
        return out;
    }
}
