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
import org.caregraph.fhir.Conformance;
import org.caregraph.search.SearchIndexer;
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
            "_format", "_pretty", "_elements", "_maxresults", "_contained");
    private static final Set<String> PREFIXES = Conformance.PREFIXES;
    /** Full-text parameters and the index properties they search. */
    private static final Map<String, String> FULL_TEXT = Map.of("_text", SearchIndexer.TEXT, "_content", SearchIndexer.CONTENT);
    /** At most this many resources may match the inner search of a chain or _has. */
    static final int INNER_LIMIT = 10_000;
    private static final int MAX_SORT_KEYS = 3;
    private static final Map<String, Object> NO_SORT = Map.of("prop", "none", "desc", false, "missing", "");
    private static final int RANK_TEXT = -1;
    private static final int RANK_IDS = 0;
    private static final int RANK_REFERENCE = 1;
    private static final int RANK_CONCEPT = 2;

    /** The inner searches of chains and _has. */
    interface Lookups {
        List<String> keys(AccessContext access, SearchPlan plan, int limit);

        List<String> targets(AccessContext access, SearchPlan plan, SearchParams.Param via, int limit);

        /** The Concept keys ('system|code') below (or above) the given ones in the loaded hierarchies, themselves included. */
        List<String> hierarchy(AccessContext access, List<String> conceptKeys, boolean below, int limit);

        /** The 'system|code' of a ValueSet stored on the server, by canonical URL; null when there is none. */
        List<String> valueSet(AccessContext access, String url);

        /** The keys of the items of List/{@code id}; null when it does not exist. */
        List<String> listItems(AccessContext access, String id);
    }

    private final SearchParams params;
    private final Lookups lookups;
    /** The reference paths of the Patient compartment ('Observation.subject', ...). */
    private final List<String> compartmentPaths;

    SearchPlanner(SearchParams params, Lookups lookups, List<String> compartmentPaths) {
        this.params = params;
        this.lookups = lookups;
        this.compartmentPaths = compartmentPaths;
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
        /** A clause of _filter: its own operators (equality, ends-with) come as internal modifiers. */
        boolean fromFilter;
        /** Lucene clauses of _text and _content, all required. */
        final List<String> text = new ArrayList<>();

        Builder(AccessContext access) {
            this.access = access;
        }

        /** Starts at {@code fragment} if it is more selective than the start so far; it enforces the last condition. */
        void start(int rank, String fragment, Map<String, Object> p) {
            if (rank < this.rank) {
                this.rank = rank;
                anchor = fragment;
                anchorParams = p;
                started = rank == RANK_TEXT ? null : conditions.getLast();
            }
        }

        /** The conditions left to filter on: the one the start enforces is not checked again on every candidate. */
        List<Map<String, Object>> filters() {
            return conditions.stream().filter(c -> c != started).toList();
        }
    }

    SearchPlan plan(AccessContext access, String type, Map<String, List<String>> request, boolean lenient) {
        return plan(new Builder(access), type, request, lenient);
    }

    /** A plan confined to the Patient compartment of {@code compartment} ('Patient/id'; null: not confined). */
    SearchPlan plan(AccessContext access, String type, Map<String, List<String>> request, boolean lenient, String compartment) {
        Builder b = new Builder(access);
        if (compartment != null) {
            if (type.equals("Patient")) {
                keyCondition(type, List.of(compartment.substring("Patient/".length())), false, b);
            } else {
                List<String> paths = compartmentPaths.stream().filter(path -> path.startsWith(type + ".")).toList();
                if (paths.isEmpty()) throw bad(type + " is not in the Patient compartment");
                b.conditions.add(Map.of("kind", "reference", "paths", paths, "values", List.of(compartment),
                        "suffixes", List.of(), "negate", false));
                b.start(RANK_REFERENCE, "search/anchor-reference", Map.of("anchorKeys", List.of(compartment), "anchorPaths", paths));
            }
        }
        return plan(b, type, request, lenient);
    }

    private SearchPlan plan(Builder b, String type, Map<String, List<String>> request, boolean lenient) {
        for (Map.Entry<String, List<String>> e : request.entrySet()) {
            String name = e.getKey();
            if (RESULT_PARAMS.contains(name)) continue;
            for (String value : e.getValue()) condition(type, name, value, lenient, b);
        }
        String contained = single(request, "_contained");
        if (contained != null && !contained.equals("false")) {
            throw bad("_contained=" + contained + " is not supported: contained resources are part of their container's "
                    + "content (found by _content), not indexed on their own");
        }
        if (!b.text.isEmpty()) {
            String query = "+resourceType:\"" + type + "\" " + String.join(" ", b.text);
            b.start(RANK_TEXT, "search/anchor-text", Map.of("textQuery", query));
        }
        String total = single(request, "_total");
        if (total != null && !Set.of("none", "estimate", "accurate").contains(total)) {
            throw bad("_total must be none, estimate or accurate, not '" + total + "'");
        }
        List<String> sortSpecs = request.getOrDefault("_sort", List.of());
        boolean scored = sortSpecs.stream().flatMap(v -> split(v).stream()).anyMatch(k -> k.equals("_score"));
        if (scored && sortSpecs.stream().flatMap(v -> split(v).stream()).count() > 1) throw bad("_sort=_score takes no other key");
        List<Map<String, Object>> sorts = sorts(type, scored ? List.of() : sortSpecs);
        List<Boolean> desc = new ArrayList<>();
        for (Map<String, Object> s : sorts) desc.add((Boolean) s.get("desc"));
        desc.add(false);
        return new SearchPlan(type, b.anchor, b.anchorParams, b.started, b.filters(), sorts, desc,
                includes(type, request, "_include", false, lenient), includes(type, request, "_revinclude", true, lenient),
                !"none".equals(total), b.empty, scored && !b.text.isEmpty(), maxResults(request));
    }

    private static Integer maxResults(Map<String, List<String>> request) {
        String max = single(request, "_maxresults");
        if (max == null) return null;
        try {
            int n = Integer.parseInt(max.strip());
            if (n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw bad("_maxresults must be a number of resources, not '" + max + "'");
        }
    }

    /** The {@code type} resources that reference one of {@code keys} through {@code p} (_revinclude). */
    SearchPlan referencing(String type, SearchParams.Param p, List<String> keys) {
        Builder b = new Builder(null);
        references(p, keys, List.of(), b);
        return new SearchPlan(type, b.anchor, b.anchorParams, b.started, b.filters(), sorts(type, List.of()),
                List.of(false, false, false, false), List.of(), List.of(), false, keys.isEmpty(), false, null);
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
        if (FULL_TEXT.containsKey(base)) {
            if (modifier != null) modifierError(name, modifier);
            String field = FULL_TEXT.get(base);
            b.text.add("+(" + String.join(" OR ", values.stream().map(v -> FullTextQuery.clause(field, SearchRanges.unescape(v))).toList()) + ")");
            return;
        }
        if ("_list".equals(base)) {
            if (modifier != null) modifierError(name, modifier);
            Set<String> keys = new LinkedHashSet<>();
            for (String v : values) {
                String id = SearchRanges.unescape(v);
                if (id.startsWith("$")) throw bad("_list=" + id + ": functional lists are not supported (this server keeps no current-problem lists); name a List id");
                List<String> items = lookups.listItems(b.access, id.startsWith("List/") ? id.substring(5) : id);
                if (items == null) throw bad("_list: List/" + id + " is not known");
                items.stream().filter(k -> k.startsWith(type + "/")).forEach(keys::add);
            }
            keyCondition(type, keys.stream().map(k -> k.substring(type.length() + 1)).toList(), false, b);
            return;
        }
        if ("_filter".equals(base)) {
            if (modifier != null) modifierError(name, modifier);
            FilterExpression.Keys keys = new FilterExpression(value, clause -> {
                Builder inner = new Builder(b.access);
                inner.fromFilter = true;
                SearchPlan innerPlan = plan(inner, type, clause, false);
                List<String> found = lookups.keys(b.access, innerPlan, INNER_LIMIT + 1);
                if (found.size() > INNER_LIMIT) throw bad("_filter clause " + clause + " matches more than " + INNER_LIMIT + " resources: narrow it");
                return found;
            }).evaluate();
            keyCondition(type, keys.keys().stream().map(k -> k.substring(type.length() + 1)).toList(), keys.negated(), b);
            return;
        }
        String refused = Conformance.REFUSED_PARAMETERS.get(base);
        if (refused == null && base.contains("-") && params.get(type, base) == null && compositeOf(type, base)) {
            refused = "composite parameters: their values are not indexed as pairs; search the parts as separate parameters";
        }
        if (refused != null) throw bad(name + " is not supported: " + refused);
        if ("_id".equals(base)) {
            if (modifier != null && !modifier.equals("not")) modifierError(name, modifier);
            values = values.stream().map(SearchRanges::unescape).toList();
            if (modifier != null) {
                b.conditions.add(Map.of("kind", "id", "values", values, "negate", true));
                return;
            }
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
        if (modifier != null && !accepts(p, modifier, b)) modifierError(name, modifier);
        if ("missing".equals(modifier)) {
            if (!Set.of("true", "false").contains(value)) throw bad("'" + name + "' takes true or false, not '" + value + "'");
            String prop = p.type() == RestSearchParameterTypeEnum.DATE ? p.property() + ".lo" : p.property();
            b.conditions.add(Map.of("kind", "missing", "prop", prop, "missing", Boolean.parseBoolean(value), "negate", false));
            return;
        }
        if ("exact-or-equal".equals(modifier)) modifier = p.type() == RestSearchParameterTypeEnum.STRING ? "exact" : null;
        switch (p.type()) {
            case TOKEN -> token(type, p, name, modifier, values, b);
            case STRING -> {
                List<String> plain = values.stream().map(SearchRanges::unescape).toList();
                if (modifier == null) b.conditions.add(match(p.property(), List.of(), normalized(plain), List.of(), List.of(), false));
                else if (modifier.equals("exact")) b.conditions.add(match(p.property() + ".exact", plain, List.of(), List.of(), List.of(), false));
                else if (modifier.equals("contains")) b.conditions.add(match(p.property(), List.of(), List.of(), List.of(), normalized(plain), false));
                else if (modifier.equals("ends-with")) b.conditions.add(match(p.property(), List.of(), List.of(), normalized(plain), List.of(), false));
                else b.conditions.add(words(p.property(), plain)); // :text: every word starts a word of the value
            }
            case URI -> uri(type, p, modifier, values.stream().map(SearchRanges::unescape).toList(), b);
            case REFERENCE -> reference(p, name, modifier, values.stream().map(SearchRanges::unescape).toList(), b);
            case DATE -> b.conditions.add(range(name, p.property() + ".lo", p.property() + ".hi", null, values, true));
            case NUMBER -> b.conditions.add(range(name, p.property(), p.property(), null, values, false));
            case QUANTITY -> b.conditions.add(range(name, p.property(), p.property(), p.property() + ".unit", values, false));
            default -> throw bad("'" + name + "' cannot be searched");
        }
    }

    /** Whether {@code p} takes {@code modifier} (declared in {@link Conformance#MODIFIERS}; _filter's own internally). */
    private boolean accepts(SearchParams.Param p, String modifier, Builder b) {
        if (b.fromFilter && (modifier.equals("exact-or-equal") || modifier.equals("ends-with") && p.type() == RestSearchParameterTypeEnum.STRING)) return true;
        List<String> declared = Conformance.MODIFIERS.getOrDefault(p.type(), List.of());
        return declared.contains(modifier) || p.type() == RestSearchParameterTypeEnum.REFERENCE && params.types().contains(modifier);
    }

    /** Whether {@code name} is one of the type's composite parameters (which are not indexed). */
    private boolean compositeOf(String type, String name) {
        return params.composites(type).contains(name);
    }

    /**
     * The resources with one of {@code ids} (or, negated, none of them): the start is the ids themselves, which is
     * as selective as a search gets.
     */
    private static void keyCondition(String type, List<String> ids, boolean negated, Builder b) {
        b.conditions.add(Map.of("kind", "id", "values", ids, "negate", negated));
        if (negated) return;
        if (ids.isEmpty()) b.empty = true;
        b.start(RANK_IDS, "search/anchor-ids", Map.of("anchorKeys", ids.stream().map(i -> type + "/" + i).toList()));
    }

    /** uri: equal; {@code :below} the value is a prefix; {@code :above} a prefix of the value; {@code url|version} of a canonical. */
    private void uri(String type, SearchParams.Param p, String modifier, List<String> values, Builder b) {
        List<String> exact = new ArrayList<>();
        List<String> versions = new ArrayList<>();
        for (String v : values) {
            int bar = v.lastIndexOf('|');
            if (bar > 0 && modifier == null && p.name().equals("url") && params.get(type, "version") != null) {
                exact.add(v.substring(0, bar));
                versions.add("|" + v.substring(bar + 1));
            } else {
                exact.add(v);
            }
        }
        if ("below".equals(modifier)) b.conditions.add(match(p.property(), List.of(), exact, List.of(), List.of(), false));
        else if ("above".equals(modifier)) b.conditions.add(Map.of("kind", "match", "prop", p.property(), "exact", exact,
                "prefix", List.of(), "suffix", List.of(), "contains", List.of(), "negate", false, "above", exact));
        else b.conditions.add(match(p.property(), exact, List.of(), List.of(), List.of(), false));
        if (!versions.isEmpty()) b.conditions.add(match(params.get(type, "version").property(), versions, List.of(), List.of(), List.of(), false));
    }

    /**
     * Every word of one of the values starts a word of a stored text (normalized): {@code :text} on strings,
     * {@code :text-advanced} on tokens.
     */
    private static Map<String, Object> words(String prop, List<String> values) {
        List<String> patterns = new ArrayList<>();
        for (String v : values) {
            StringBuilder regex = new StringBuilder("(?s)");
            for (String w : SearchRanges.normalize(v).split("[^\\p{L}\\p{N}]+")) {
                if (!w.isEmpty()) regex.append("(?=.*\\b").append(java.util.regex.Pattern.quote(w)).append(")");
            }
            patterns.add(regex.append(".*").toString());
        }
        Map<String, Object> c = new HashMap<>(match(prop, List.of(), List.of(), List.of(), List.of(), false));
        c.put("regex", patterns);
        return c;
    }

    private void token(String type, SearchParams.Param p, String name, String modifier, List<String> values, Builder b) {
        List<String> plain = values.stream().map(SearchRanges::unescape).toList();
        switch (modifier == null ? "" : modifier) {
            case "text", "code-text" -> {
                b.conditions.add(match(p.property() + ".text", List.of(), normalized(plain), List.of(), List.of(), false));
                return;
            }
            case "text-advanced" -> {
                b.conditions.add(words(p.property() + ".text", plain));
                return;
            }
            case "of-type" -> {
                for (String v : values) {
                    if (tokenParts(v).size() != 3) throw bad("'" + v + "' for " + name + ": :of-type takes type-system|type-code|value");
                }
                b.conditions.add(match(p.property() + ".oftype", values.stream().map(v -> String.join("|", tokenParts(v))).toList(),
                        List.of(), List.of(), List.of(), false));
                return;
            }
            case "in", "not-in" -> {
                Set<String> codes = new LinkedHashSet<>();
                for (String url : plain) {
                    List<String> expansion = lookups.valueSet(b.access, url);
                    if (expansion == null) throw bad("'" + url + "' for " + name + ":" + modifier + " is not a ValueSet stored on this server");
                    codes.addAll(expansion);
                }
                boolean in = modifier.equals("in");
                b.conditions.add(match(p.property(), List.copyOf(codes), List.of(), List.of(), List.of(), !in));
                if (in && codes.isEmpty()) b.empty = true;
                if (in && p.coded() && !codes.isEmpty() && codes.size() <= INNER_LIMIT) {
                    b.start(RANK_CONCEPT, "search/anchor-concept", Map.of("anchorKeys", List.copyOf(codes), "anchorPaths", p.paths()));
                }
                return;
            }
            case "below", "above" -> {
                List<String> keys = new ArrayList<>();
                for (String v : values) {
                    List<String> parts = tokenParts(v);
                    if (parts.size() != 2 || parts.get(0).isEmpty() || parts.get(1).isEmpty()) {
                        throw bad("'" + v + "' for " + name + ":" + modifier + ": name a code with its system (system|code)");
                    }
                    keys.add(parts.get(0) + "|" + parts.get(1));
                }
                List<String> related = lookups.hierarchy(b.access, keys, modifier.equals("below"), INNER_LIMIT + 1);
                if (related.size() > INNER_LIMIT) throw bad(name + ":" + modifier + " reaches more than " + INNER_LIMIT + " codes: narrow it");
                b.conditions.add(match(p.property(), related, List.of(), List.of(), List.of(), false));
                if (p.coded()) b.start(RANK_CONCEPT, "search/anchor-concept", Map.of("anchorKeys", related, "anchorPaths", p.paths()));
                return;
            }
            default -> { }
        }
        List<String> exact = new ArrayList<>();
        List<String> prefix = new ArrayList<>();
        List<String> suffix = new ArrayList<>();
        for (String v : values) {
            List<String> parts = tokenParts(v);
            if (parts.size() == 1) suffix.add("|" + parts.getFirst());
            else if (parts.get(1).isEmpty()) prefix.add(parts.getFirst() + "|");
            else exact.add(parts.get(0) + "|" + String.join("|", parts.subList(1, parts.size())));
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
                if (spec.equals("*") && rev) {
                    // every resource that references a match, through any reference
                    out.add(new SearchPlan.Include(null, null, type, iterate));
                    continue;
                }
                if (spec.equals("*")) {
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

    /** Values separated by unescaped commas (their other escapes are resolved where the value is read). */
    static List<String> split(String value) {
        List<String> out = new ArrayList<>();
        int from = 0;
        while (from <= value.length()) {
            int comma = SearchRanges.unescaped(value, ',', from);
            int end = comma < 0 ? value.length() : comma;
            String v = value.substring(from, end).replace("\\,", ",");
            if (!v.isEmpty()) out.add(v);
            if (comma < 0) break;
            from = comma + 1;
        }
        return out;
    }

    /** A token value's parts at its unescaped bars, each unescaped: {@code code}, {@code system|code}, {@code a|b|c}. */
    static List<String> tokenParts(String value) {
        List<String> parts = new ArrayList<>();
        int from = 0;
        while (true) {
            int bar = SearchRanges.unescaped(value, '|', from);
            parts.add(SearchRanges.unescape(value.substring(from, bar < 0 ? value.length() : bar)));
            if (bar < 0) return parts;
            from = bar + 1;
        }
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
