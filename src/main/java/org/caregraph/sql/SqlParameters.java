package org.caregraph.sql;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Named parameters as SQL on FHIR's SQLQuery writes them, {@code :name}, turned into DuckDB's positional {@code ?}
 * with their values in order: values are bound, never spliced into the text. Literals, quoted identifiers, comments
 * and {@code ::} casts are left as they are.
 */
record SqlParameters(String sql, List<Object> values) {

    /**
     * @throws SqlException when the text names a parameter that has no value, or a value is given for a name the text
     *                      does not use
     */
    static SqlParameters bind(String sql, Map<String, ?> values) {
        StringBuilder out = new StringBuilder(sql.length());
        List<Object> bound = new ArrayList<>();
        Set<String> used = new TreeSet<>();
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            int end = switch (c) {
                case '\'', '"' -> closing(sql, i, c);
                case '-' -> sql.startsWith("--", i) ? lineEnd(sql, i) : i + 1;
                case '/' -> sql.startsWith("/*", i) ? blockEnd(sql, i) : i + 1;
                case ':' -> sql.startsWith("::", i) ? i + 2 : i + 1;
                default -> i + 1;
            };
            if (c == ':' && end == i + 1 && i + 1 < sql.length() && isStart(sql.charAt(i + 1))) {
                int j = i + 1;
                while (j < sql.length() && isPart(sql.charAt(j))) j++;
                String name = sql.substring(i + 1, j);
                if (!values.containsKey(name)) throw SqlException.badRequest("parameter :" + name + " has no value");
                out.append('?');
                bound.add(values.get(name));
                used.add(name);
                i = j;
                continue;
            }
            out.append(sql, i, end);
            i = end;
        }
        Set<String> unused = new TreeSet<>(values.keySet());
        unused.removeAll(used);
        if (!unused.isEmpty()) throw SqlException.badRequest("parameters " + unused + " are not used by the query (write :name)");
        // a null value is SQL NULL: the list keeps it
        return new SqlParameters(out.toString(), Collections.unmodifiableList(bound));
    }

    private static boolean isStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private static boolean isPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    /** After a quoted literal or identifier (a doubled quote inside it is a quote). */
    private static int closing(String s, int at, char quote) {
        int i = at + 1;
        while (i < s.length()) {
            if (s.charAt(i) == quote) {
                if (i + 1 < s.length() && s.charAt(i + 1) == quote) i += 2;
                else return i + 1;
            } else {
                i++;
            }
        }
        return s.length();
    }

    private static int lineEnd(String s, int at) {
        int nl = s.indexOf('\n', at);
        return nl < 0 ? s.length() : nl + 1;
    }

    private static int blockEnd(String s, int at) {
        int close = s.indexOf("*/", at + 2);
        return close < 0 ? s.length() : close + 2;
    }
}
