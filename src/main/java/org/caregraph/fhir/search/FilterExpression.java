package org.caregraph.fhir.search;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The {@code _filter} parameter (FHIR's filter language, search_filter.html): {@code and}, {@code or}, {@code not(…)},
 * parentheses, and {@code param op value} clauses. Each clause becomes an ordinary search ({@link #clauses}) whose
 * matches are found through the planner; the logic is then set algebra on keys, a negation kept as a complement so
 * that {@code not} never needs every resource of the type.
 */
final class FilterExpression {
    /**
     * A set of keys, or (negated) every key but these.
     */
    record Keys(Set<String> keys, boolean negated) {
        Keys and(Keys o) {
            if (!negated && !o.negated) return new Keys(retain(keys, o.keys), false);
            if (!negated) return new Keys(remove(keys, o.keys), false);
            if (!o.negated) return new Keys(remove(o.keys, keys), false);
            return new Keys(union(keys, o.keys), true);
        }

        Keys or(Keys o) {
            if (!negated && !o.negated) return new Keys(union(keys, o.keys), false);
            if (!negated) return new Keys(remove(o.keys, keys), true);
            if (!o.negated) return new Keys(remove(keys, o.keys), true);
            return new Keys(retain(keys, o.keys), true);
        }

        Keys not() {
            return new Keys(keys, !negated);
        }

        private static Set<String> retain(Set<String> a, Set<String> b) {
            Set<String> out = new LinkedHashSet<>(a);
            out.retainAll(b);
            return out;
        }

        private static Set<String> remove(Set<String> a, Set<String> b) {
            Set<String> out = new LinkedHashSet<>(a);
            out.removeAll(b);
            return out;
        }

        private static Set<String> union(Set<String> a, Set<String> b) {
            Set<String> out = new LinkedHashSet<>(a);
            out.addAll(b);
            return out;
        }
    }

    private final String text;
    private final Function<Map<String, List<String>>, List<String>> search;
    private int at;

    /** {@code search}: the keys matching an ordinary search request (parameter name → values, each an AND). */
    FilterExpression(String text, Function<Map<String, List<String>>, List<String>> search) {
        this.text = text;
        this.search = search;
    }

    Keys evaluate() {
        Keys out = or();
        skipSpace();
        if (at < text.length()) throw error("unexpected '" + text.substring(at) + "'");
        return out;
    }

    private Keys or() {
        Keys left = and();
        while (word("or")) left = left.or(and());
        return left;
    }

    private Keys and() {
        Keys left = unary();
        while (word("and")) left = left.and(unary());
        return left;
    }

    private Keys unary() {
        skipSpace();
        if (word("not")) {
            skipSpace();
            if (!peek('(')) throw error("not takes a parenthesized filter");
            return unary().not();
        }
        if (peek('(')) {
            at++;
            Keys inner = or();
            skipSpace();
            if (!peek(')')) throw error("missing ')'");
            at++;
            return inner;
        }
        return clause();
    }

    /** {@code param op value}: the ordinary search it stands for. */
    private Keys clause() {
        String param = token();
        if (param.isEmpty()) throw error("a parameter name is missing");
        if (param.contains("[")) throw error("sub-filters (param[filter].param) are not supported; use a chain (param.param)");
        String op = token().toLowerCase();
        String value = value();
        Map<String, List<String>> request = new LinkedHashMap<>();
        String v = value.replace(",", "\\,");
        switch (op) {
            case "eq" -> request.put(param + ":exact-or-equal", List.of(v));
            case "ne" -> {
                return new Keys(new LinkedHashSet<>(search.apply(Map.of(param + ":exact-or-equal", List.of(v)))), true);
            }
            case "co" -> request.put(param + ":contains", List.of(v));
            case "sw" -> request.put(param, List.of(v));
            case "ew" -> request.put(param + ":ends-with", List.of(v));
            case "gt", "lt", "ge", "le", "sa", "eb", "ap" -> request.put(param, List.of(op + v));
            case "po" -> request.put(param, List.of("ge" + v, "le" + v));
            case "pr" -> request.put(param + ":missing", List.of(Boolean.parseBoolean(value) ? "false" : "true"));
            case "ss" -> request.put(param + ":below", List.of(v));
            case "sb" -> request.put(param + ":above", List.of(v));
            case "in" -> request.put(param + ":in", List.of(v));
            case "ni" -> request.put(param + ":not-in", List.of(v));
            case "re" -> request.put(param, List.of(v));
            default -> throw error("unknown operator '" + op + "'");
        }
        return new Keys(new LinkedHashSet<>(search.apply(request)), false);
    }

    private String token() {
        skipSpace();
        int start = at;
        while (at < text.length() && !Character.isWhitespace(text.charAt(at)) && text.charAt(at) != '(' && text.charAt(at) != ')') at++;
        return text.substring(start, at);
    }

    /** A quoted string ({@code \"} escapes a quote) or a bare token. */
    private String value() {
        skipSpace();
        if (!peek('"')) {
            String v = token();
            if (v.isEmpty()) throw error("a value is missing");
            return v;
        }
        StringBuilder out = new StringBuilder();
        at++;
        while (at < text.length() && text.charAt(at) != '"') {
            if (text.charAt(at) == '\\' && at + 1 < text.length()) at++;
            out.append(text.charAt(at++));
        }
        if (at >= text.length()) throw error("unterminated string");
        at++;
        return out.toString();
    }

    private boolean word(String w) {
        skipSpace();
        int end = at + w.length();
        if (end <= text.length() && text.regionMatches(true, at, w, 0, w.length())
                && (end == text.length() || Character.isWhitespace(text.charAt(end)) || text.charAt(end) == '(')) {
            at = end;
            return true;
        }
        return false;
    }

    private boolean peek(char c) {
        return at < text.length() && text.charAt(at) == c;
    }

    private void skipSpace() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) at++;
    }

    private RuntimeException error(String why) {
        return SearchPlanner.bad("_filter '" + text + "': " + why);
    }
}
