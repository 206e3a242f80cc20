package org.caregraph.fhir.search;

import org.caregraph.security.AccessContext;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.caregraph.search.SearchParams;
import org.caregraph.search.SearchRanges;

/**
 * Turns the parameters of {@code GET [type]?...} into a {@link SearchPlan}: each occurrence of a parameter is one
 * condition (repeated parameters AND), its comma-separated values OR. Values become data (query parameters), never
 * query text. Chained parameters and _has first find their inner matches ({@link Lookups}) and become conditions on
 * keys. Unknown or malformed parameters are {@link InvalidRequestException}s (400) naming them; with lenient handling
 * unknown parameters are ignored (malformed values are still errors).
 */
final class SearchPlanner {
    /** Parameters that control the result, not the match; handled here or by HAPI. */
    private static final Set<String> RESULT_PARAMS = Set.of("_count", "_total", "_summary", "_sort", "_include",
            "_revinclude", "_include:iterate", "_revinclude:iterate", "_include:recurse", "_revinclude:recurse",
            "_format", "_pretty", "_elements");
    private static final Set<String> PREFIXES = Set.of("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap");
    /** At most this many resources may match the inner search of a chain or _has. */
    static final int INNER_LIMIT = 10_000;
    private static final int MAX_SORT_KEYS = 3;
    private static final Map<String, Object> NO_SORT = Map.of("prop", "none", "desc", false, "missing", "");
    private static final int RANK_IDS = 0;
    private static final int RANK_REFERENCE = 1;
    private static final int RANK_CONCEPT = 2;

    /** The inner searches of chains and _has. */
    interface Lookups {
        List<String> keys(AccessContext access, SearchPlan plan, int limit);

        List<String> targets(AccessContext access, SearchPlan plan, SearchParams.Param via, int limit);
    }

    private final SearchParams params;
    private final Lookups lookups;

    SearchPlanner(SearchParams params, Lookups lookups) {
        this.params = params;
        this.lookups = lookups;
    }

    /** The working state of one plan: its conditions and the most selective start found so far. */
    private static final class Builder {
        /** the caller's: inner searches (chains, _has) see only what the caller may see */
        final AccessContext access;
        final List<Map<String, Object>> conditions = new ArrayList<>();
        String anchor = "search/anchor-type";
        Map<String, Object> anchorParams = Map.of();
        int rank = Integer.MAX_VALUE;
        /** The condition the start already enforces exactly (the last one added when it was chosen). */
        Map<String, Object> started;
        boolean empty;

        Builder(AccessContext access) {
            this.access = access;
        }

        /** Starts at {@code fragment} if it is more selective than the start so far; it enforces the last condition. */
        void start(int rank, String fragment, Map<String, Object> p) {
            if (rank < this.rank) {
                this.rank = rank;
                anchor = fragment;
                anchorParams = p;
                started = conditions.getLast();
            }
        }

        /** The conditions left to filter on: the one the start enforces is not checked again on every candidate. */
        List<Map<String, Object>> filters() {
            return conditions.stream().filter(c -> c != started).toList();
        }
    }

    SearchPlan plan(AccessContext access, String type, Map<String, List<String>> request, boolean lenient) {
        Builder b = new Builder(access);
        for (Map.Entry<String, List<String>> e : request.entrySet()) {
            String name = e.getKey();
            if (RESULT_PARAMS.contains(name)) continue;
            for (String value : e.getValue()) condition(type, name, value, lenient, b);
        }
        boolean countOnly = request.getOrDefault("_summary", List.of()).contains("count");
        String total = single(request, "_total");
        if (total != null && !Set.of("none", "estimate", "accurate").contains(total)) {
            throw bad("_total must be none, estimate or accurate, not '" + total + "'");
        }
        List<Map<String, Object>> sorts = sorts(type, request.getOrDefault("_sort", List.of()));
        List<Boolean> desc = new ArrayList<>();
        for (Map<String, Object> s : sorts) desc.add((Boolean) s.get("desc"));
        desc.add(false);
        return new SearchPlan(type, b.anchor, b.anchorParams, b.started, b.filters(), sorts, desc,
                includes(type, request, "_include", false, lenient), includes(type, request, "_revinclude", true, lenient),
                countOnly || "accurate".equals(total), b.empty);
    }

    /** The {@code type} resources that reference one of {@code keys} through {@code p} (_revinclude). */
    SearchPlan referencing(String type, SearchParams.Param p, List<String> keys) {
        Builder b = new Builder(null);
        references(p, keys, List.of(), b);
        return new SearchPlan(type, b.anchor, b.anchorParams, b.started, b.filters(), sorts(type, List.of()),
                List.of(false, false, false, false), List.of(), List.of(), false, keys.isEmpty());
    }

    private void condition(String type, String name, String value, boolean lenient, Builder b) {
        if (name.startsWith("_has:")) {
            has(type, name, value, b);
            return;
        }
        String base = name;
        String chain = null;
        int dot = name.indexOf('.');
        if (dot > 0) {
            chain = name.substring(dot + 1);
            base = name.substring(0, dot);
        }
        String modifier = null;
        int colon = base.indexOf(':');
        if (colon > 0) {
            modifier = base.substring(colon + 1);
            base = base.substring(0, colon);
        }
        List<String> values = split(value);
        if ("_id".equals(base)) {
            if (modifier != null) modifierError(name, modifier);
            b.conditions.add(Map.of("kind", "id", "values", values, "negate", false));
            b.start(RANK_IDS, "search/anchor-ids", Map.of("anchorKeys", values.stream().map(v -> type + "/" + v).toList()));
            return;
        }
        if ("_lastUpdated".equals(base)) {
            if (modifier != null) modifierError(name, modifier);
            b.conditions.add(range(name, null, null, null, values, true));
            return;
        }
        SearchParams.Param p = params.get(type, base);
        if (p == null) {
            if (lenient) return;
            throw bad("Unknown search parameter '" + name + "' for resource type " + type
                    + " (this server searches the standard R4 parameters of types token, string, date, reference, "
                    + "quantity, uri and number, and _id, _lastUpdated, _has)");
        }
        if (chain != null) {
            chain(type, p, modifier, chain, value, b);
            return;
        }
        if ("missing".equals(modifier)) {
            if (!Set.of("true", "false").contains(value)) throw bad("'" + name + "' takes true or false, not '" + value + "'");
            String prop = p.type() == RestSearchParameterTypeEnum.DATE ? p.property() + ".lo" : p.property();
            b.conditions.add(Map.of("kind", "missing", "prop", prop, "missing", Boolean.parseBoolean(value), "negate", false));
            return;
        }
        switch (p.type()) {
            case TOKEN -> token(type, p, name, modifier, values, b);
            case STRING -> {
                if (modifier == null) b.conditions.add(match(p.property(), List.of(), normalized(values), List.of(), List.of(), false));
                else if (modifier.equals("exact")) b.conditions.add(match(p.property() + ".exact", values, List.of(), List.of(), List.of(), false));
                else if (modifier.equals("contains")) b.conditions.add(match(p.property(), List.of(), List.of(), List.of(), normalized(values), false));
                else modifierError(name, modifier);
            }
            case URI -> {
                if (modifier == null) b.conditions.add(match(p.property(), values, List.of(), List.of(), List.of(), false));
                else if (modifier.equals("below")) b.conditions.add(match(p.property(), List.of(), values, List.of(), List.of(), false));
                else modifierError(name, modifier);
            }
            case REFERENCE -> reference(p, name, modifier, values, b);
            case DATE -> {
                if (modifier != null) modifierError(name, modifier);
                b.conditions.add(range(name, p.property() + ".lo", p.property() + ".hi", null, values, true));
            }
            case NUMBER -> {
                if (modifier != null) modifierError(name, modifier);
                b.conditions.add(range(name, p.property(), p.property(), null, values, false));
            }
            case QUANTITY -> {
                if (modifier != null) modifierError(name, modifier);
                b.conditions.add(range(name, p.property(), p.property(), p.property() + ".unit", values, false));
            }
            default -> throw bad("'" + name + "' cannot be searched");
        }
    }

    private void token(String type, SearchParams.Param p, String name, String modifier, List<String> values, Builder b) {
        if ("text".equals(modifier)) {
            b.conditions.add(match(p.property() + ".text", List.of(), normalized(values), List.of(), List.of(), false));
            return;
        }
        if (modifier != null && !modifier.equals("not")) modifierError(name, modifier);
        List<String> exact = new ArrayList<>();
        List<String> prefix = new ArrayList<>();
        List<String> suffix = new ArrayList<>();
        for (String v : values) {
            int bar = v.indexOf('|');
            if (bar < 0) suffix.add("|" + v);
            else if (bar == v.length() - 1) prefix.add(v);
            else exact.add(v);
        }
        boolean not = "not".equals(modifier);
        b.conditions.add(match(p.property(), exact, prefix, suffix, List.of(), not));
        if (!not && p.coded() && prefix.isEmpty()) {
            // codings are also CODED relationships to shared Concept nodes: start there
            if (suffix.isEmpty() && exact.stream().noneMatch(v -> v.startsWith("|"))) {
                b.start(RANK_CONCEPT, "search/anchor-concept", Map.of("anchorKeys", exact, "anchorPaths", p.paths()));
            } else if (exact.isEmpty()) {
                b.start(RANK_CONCEPT, "search/anchor-code", Map.of("anchorCodes",
                        suffix.stream().map(s -> s.substring(1)).toList(), "anchorPaths", p.paths()));
            }
        }
    }

    private void reference(SearchParams.Param p, String name, String modifier, List<String> values, Builder b) {
        if ("identifier".equals(modifier)) {
            List<String> exact = new ArrayList<>();
            List<String> suffix = new ArrayList<>();
            for (String v : values) {
                if (v.contains("|")) exact.add(v);
                else suffix.add("|" + v);
            }
            b.conditions.add(match(p.property() + ".ident", exact, List.of(), suffix, List.of(), false));
            return;
        }
        if (modifier != null && !params.types().contains(modifier)) modifierError(name, modifier);
        List<String> keys = new ArrayList<>();
        List<String> suffixes = new ArrayList<>();
        for (String v : values) {
            String key = key(v);
            if (key != null) {
                if (modifier != null && !key.startsWith(modifier + "/")) throw bad("'" + v + "' is not a " + modifier + " for " + name);
                keys.add(key);
            } else if (modifier != null) {
                keys.add(modifier + "/" + v);
            } else if (p.targets().size() == 1) {
                keys.add(p.targets().getFirst() + "/" + v);
            } else {
                suffixes.add("/" + v);
            }
        }
        references(p, keys, suffixes, b);
    }

    /** Matches of {@code p} to one of {@code keys} (or an id of any type among {@code suffixes}). */
    private static void references(SearchParams.Param p, List<String> keys, List<String> suffixes, Builder b) {
        if (p.byRelationship()) {
            b.conditions.add(Map.of("kind", "reference", "paths", p.paths(), "values", keys, "suffixes", suffixes, "negate", false));
            if (suffixes.isEmpty()) b.start(RANK_REFERENCE, "search/anchor-reference", Map.of("anchorKeys", keys, "anchorPaths", p.paths()));
        } else {
            b.conditions.add(match(p.property(), keys, List.of(), suffixes, List.of(), false));
        }
    }

    /** {@code Type/id} of a reference search value ({@code Patient/1}, {@code http://x/fhir/Patient/1}), null for a bare id. */
    private String key(String value) {
        String[] s = value.split("/");
        if (s.length < 2) return null;
        int at = s.length >= 4 && "_history".equals(s[s.length - 2]) ? s.length - 4 : s.length - 2;
        if (!params.types().contains(s[at])) throw bad("'" + value + "' does not name a resource");
        return s[at] + "/" + s[at + 1];
    }

    /** {@code subject:Patient.name=x}: the Patients named x first, then the resources whose subject is one of them. */
    private void chain(String type, SearchParams.Param p, String modifier, String chain, String value, Builder b) {
        if (p.type() != RestSearchParameterTypeEnum.REFERENCE) throw bad("'" + p.name() + "' is not a reference: it cannot be chained");
        List<String> targets = modifier != null ? List.of(modifier) : p.targets();
        String inner = chain.split("[.:]", 2)[0];
        List<String> candidates = targets.stream().filter(t -> inner.startsWith("_") || params.get(t, inner) != null).toList();
        if (candidates.isEmpty()) {
            throw bad("chain '" + p.name() + "." + chain + "' of " + type + ": " + (targets.isEmpty()
                    ? "name the target type (" + p.name() + ":Type." + chain + ")" : "no target type of " + p.name() + " has '" + inner + "'"));
        }
        Set<String> keys = new LinkedHashSet<>();
        for (String t : candidates) {
            SearchPlan innerPlan = plan(b.access, t, Map.of(chain, List.of(value)), false);
            keys.addAll(lookups.keys(b.access, innerPlan, INNER_LIMIT + 1));
        }
        if (keys.size() > INNER_LIMIT) throw bad("chain '" + p.name() + "." + chain + "' matches more than " + INNER_LIMIT + " resources: narrow it");
        if (keys.isEmpty()) b.empty = true;
        references(p, List.copyOf(keys), List.of(), b);
    }

    /** {@code _has:Observation:patient:code=X}: the resources that Observations with code X name as patient. */
    private void has(String type, String name, String value, Builder b) {
        String[] parts = name.split(":", 4);
        if (parts.length < 4) throw bad("'" + name + "': _has takes _has:Type:reference:parameter");
        SearchParams.Param via = params.get(parts[1], parts[2]);
        if (via == null || via.type() != RestSearchParameterTypeEnum.REFERENCE) {
            throw bad("'" + name + "': " + parts[1] + " has no reference parameter '" + parts[2] + "'");
        }
        SearchPlan inner = plan(b.access, parts[1], Map.of(parts[3], List.of(value)), false);
        List<String> ids = lookups.targets(b.access, inner, via, INNER_LIMIT + 1).stream()
                .filter(k -> k.startsWith(type + "/")).map(k -> k.substring(type.length() + 1)).toList();
        if (ids.size() > INNER_LIMIT) throw bad("'" + name + "' matches more than " + INNER_LIMIT + " resources: narrow it");
        if (ids.isEmpty()) b.empty = true;
        b.conditions.add(Map.of("kind", "id", "values", ids, "negate", false));
        b.start(RANK_IDS, "search/anchor-ids", Map.of("anchorKeys", ids.stream().map(i -> type + "/" + i).toList()));
    }

    private static Map<String, Object> match(String prop, List<String> exact, List<String> prefix, List<String> suffix,
                                             List<String> contains, boolean negate) {
        return Map.of("kind", "match", "prop", prop, "exact", exact, "prefix", prefix, "suffix", suffix,
                "contains", contains, "negate", negate);
    }

    /**
     * Date, number and quantity values with their prefixes, as inclusive bounds on each stored [low, high] (a number
     * or quantity is stored as a point). Dates: eq = within the search range, gt/ge = ends after/at, lt/le = starts
     * before/at, sa/eb = starts after / ends before, ap = overlaps the range widened by 10% of its distance from now.
     * Numbers: eq/ne/ap with the precision of the value (100 = [99.5, 100.5)), gt/ge/lt/le against the value itself.
     */
    private static Map<String, Object> range(String name, String lo, String hi, String unit, List<String> values, boolean date) {
        List<Map<String, Object>> terms = new ArrayList<>();
        for (String raw : values) {
            String prefix = "eq";
            String v = raw;
            if (v.length() > 2 && PREFIXES.contains(v.substring(0, 2))) {
                prefix = v.substring(0, 2);
                v = v.substring(2);
            } else if (v.length() > 2 && Character.isLetter(v.charAt(0)) && Character.isLetter(v.charAt(1))) {
                throw bad("'" + raw + "' for " + name + ": unknown prefix '" + v.substring(0, 2) + "'");
            }
            Map<String, Object> t = new HashMap<>();
            t.put("negate", prefix.equals("ne"));
            if (date) {
                long[] r = SearchRanges.date(v);
                if (r == null) throw bad("'" + raw + "' for " + name + " is not a FHIR date, dateTime or instant");
                bounds(t, prefix, r[0], r[1], r[0], r[1], r[0] - 1, r[1] + 1, Math.round(0.1 * Math.abs(System.currentTimeMillis() - r[0])));
            } else {
                String number = v;
                if (unit != null) {
                    String[] q = v.split("\\|", -1);
                    number = q[0];
                    if (q.length == 3 && !q[2].isEmpty()) {
                        t.put("unit", q[1].isEmpty() ? "|" + q[2] : q[1] + "|" + q[2]);
                        t.put("unitSuffix", q[1].isEmpty());
                    } else if (q.length != 1) {
                        throw bad("'" + raw + "' for " + name + ": a quantity is [prefix]number[|system|code]");
                    }
                }
                double[] r;
                double exact;
                try {
                    r = SearchRanges.number(number);
                    exact = Double.parseDouble(number);
                } catch (NumberFormatException e) {
                    throw bad("'" + raw + "' for " + name + " is not a number");
                }
                bounds(t, prefix, r[0], r[1], exact, exact, Math.nextDown(exact), Math.nextUp(exact), 0.1 * Math.abs(exact));
            }
            terms.add(t);
        }
        Map<String, Object> c = new HashMap<>();
        c.put("kind", "range");
        c.put("lo", lo);
        c.put("hi", hi);
        c.put("unit", unit);
        c.put("terms", terms);
        c.put("negate", false);
        return c;
    }

    /**
     * Bounds of one prefix: [a, b] the search value's range, [ca, cb] what gt/ge/lt/le compare with, below/above the
     * values just outside it, d the widening of ap.
     */
    private static void bounds(Map<String, Object> t, String prefix, Number a, Number b, Number ca, Number cb,
                               Number below, Number above, Number d) {
        switch (prefix) {
            case "eq", "ne" -> {
                t.put("loMin", a);
                t.put("hiMax", b);
            }
            case "gt" -> t.put("hiMin", above instanceof Long ? (Long) cb + 1 : above);
            case "ge" -> t.put("hiMin", ca);
            case "lt" -> t.put("loMax", below instanceof Long ? (Long) ca - 1 : below);
            case "le" -> t.put("loMax", cb);
            case "sa" -> t.put("loMin", above instanceof Long ? (Long) b + 1 : above);
            case "eb" -> t.put("hiMax", below instanceof Long ? (Long) a - 1 : below);
            case "ap" -> {
                if (a instanceof Long la) {
                    t.put("loMax", (Long) b + (Long) d);
                    t.put("hiMin", la - (Long) d);
                } else {
                    t.put("loMax", ca.doubleValue() + d.doubleValue());
                    t.put("hiMin", ca.doubleValue() - d.doubleValue());
                }
            }
            default -> throw new IllegalStateException(prefix);
        }
    }

    private List<Map<String, Object>> sorts(String type, List<String> specs) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String spec : specs) {
            for (String key : split(spec)) {
                boolean desc = key.startsWith("-");
                String name = desc ? key.substring(1) : key;
                String prop;
                boolean numeric;
                if (name.equals("_id")) {
                    prop = "_id";
                    numeric = false;
                } else if (name.equals("_lastUpdated")) {
                    prop = "_lastUpdated";
                    numeric = true;
                } else {
                    SearchParams.Param p = params.get(type, name);
                    if (p == null) throw bad("Unknown sort parameter '" + name + "' for resource type " + type);
                    numeric = Set.of(RestSearchParameterTypeEnum.DATE, RestSearchParameterTypeEnum.NUMBER,
                            RestSearchParameterTypeEnum.QUANTITY).contains(p.type());
                    prop = p.type() == RestSearchParameterTypeEnum.DATE ? p.property() + (desc ? ".hi" : ".lo") : p.property();
                }
                // resources without a value sort last either way
                Object missing = numeric ? (desc ? -Double.MAX_VALUE : Double.MAX_VALUE) : (desc ? "" : "\uffff");
                out.add(Map.of("prop", prop, "desc", desc, "missing", missing));
            }
        }
        if (out.size() > MAX_SORT_KEYS) throw bad("_sort takes at most " + MAX_SORT_KEYS + " keys");
        while (out.size() < MAX_SORT_KEYS) out.add(NO_SORT);
        return out;
    }

    private List<SearchPlan.Include> includes(String type, Map<String, List<String>> request, String name, boolean rev,
                                              boolean lenient) {
        List<SearchPlan.Include> out = new ArrayList<>();
        for (String modifier : new String[] {"", ":iterate", ":recurse"}) {
            for (String spec : request.getOrDefault(name + modifier, List.of())) {
                boolean iterate = !modifier.isEmpty();
                if (spec.equals("*")) {
                    if (rev) throw bad("_revinclude=* is not supported: name Type:parameter");
                    params.of(type).values().stream().filter(p -> p.type() == RestSearchParameterTypeEnum.REFERENCE)
                            .forEach(p -> out.add(new SearchPlan.Include(type, p, null, iterate)));
                    continue;
                }
                String[] parts = spec.split(":");
                SearchParams.Param p = parts.length >= 2 ? params.get(parts[0], parts[1]) : null;
                if (p == null || p.type() != RestSearchParameterTypeEnum.REFERENCE || parts.length > 3
                        || (parts.length == 3 && !params.types().contains(parts[2]))) {
                    if (lenient) continue;
                    throw bad("Unknown " + name + " '" + spec + "': Type:parameter[:targetType] of a reference parameter");
                }
                out.add(new SearchPlan.Include(parts[0], p, parts.length == 3 ? parts[2] : null, iterate));
            }
        }
        return out;
    }

    /** Values separated by unescaped commas, unescaped. */
    static List<String> split(String value) {
        return Arrays.stream(value.split("(?<!\\\\),")).map(v -> v.replace("\\,", ",")).filter(v -> !v.isEmpty()).toList();
    }

    private static List<String> normalized(List<String> values) {
        return values.stream().map(SearchRanges::normalize).toList();
    }

    private static String single(Map<String, List<String>> request, String name) {
        List<String> v = request.get(name);
        return v == null || v.isEmpty() ? null : v.getLast();
    }

    private static void modifierError(String name, String modifier) {
        throw bad("Unsupported modifier ':" + modifier + "' in '" + name + "'");
    }

    static InvalidRequestException bad(String message) {
        return new InvalidRequestException(message);
    }
}
