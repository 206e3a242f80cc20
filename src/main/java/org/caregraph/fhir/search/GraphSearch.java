package org.caregraph.fhir.search;

import org.caregraph.security.AccessContext;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.ResourceMetadataKeyEnum;
import ca.uhn.fhir.model.valueset.BundleEntrySearchModeEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.caregraph.fhir.HistoryBundle;
import org.caregraph.fhir.ResourceMatcher;
import org.caregraph.fhir.StoredTerminology;
import org.caregraph.graph.PatientCompartment;
import org.caregraph.graph.ResourceMapper;
import org.caregraph.graph.GraphReader;
import org.caregraph.search.SearchParams;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.neo4j.driver.Record;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * FHIR search on the graph: plans a request ({@link SearchPlanner}) and runs it as Cypher composed of the named
 * fragments in {@code cypher/search/} (a start fragment, {@code search/filter}, a result fragment) with the request's
 * values as parameters, all through {@link GraphReader}, includes and chains too. Also the {@link ResourceMatcher} of
 * the conditional interactions: the same semantics as {@code GET [type]?query}.
 */
@Component
public class GraphSearch implements ResourceMatcher {
    /** At most this many resources per _include/_revinclude and page, and this many :iterate rounds. */
    static final int INCLUDE_LIMIT = 1000;
    private static final int ITERATE_DEPTH = 4;

    private static final String SCAN_PAGE = "search/scan-by-key+search/filter+search/page-by-key";

    private final FhirContext fhir;
    private final GraphReader reader;
    private final SearchPlanner planner;
    /** A code with at least this many uses is first tried by scanning the type in key order ({@link #scanPage}). */
    private int scanMinCandidates;

    public GraphSearch(FhirContext fhir, GraphReader reader, SearchParams params, StoredTerminology terminology,
                       PatientCompartment compartment, @Value("${caregraph.search.scan-min-candidates:1000}") int scanMinCandidates) {
        this.fhir = fhir;
        this.reader = reader;
        this.scanMinCandidates = scanMinCandidates;
        this.planner = new SearchPlanner(params, new SearchPlanner.Lookups() {
            @Override
            public List<String> keys(AccessContext access, SearchPlan plan, int limit) {
                return GraphSearch.this.keys(access, plan, limit);
            }

            @Override
            public List<String> targets(AccessContext access, SearchPlan plan, SearchParams.Param via, int limit) {
                if (plan.empty()) return List.of();
                Map<String, Object> p = plan.parameters();
                p.put("valuePaths", via.byRelationship() ? via.paths() : List.of());
                p.put("valuesOf", via.byRelationship() ? "none" : via.property());
                p.put("limit", limit);
                return reader.list(access, plan.query("search/targets"), p, r -> r.get("key").asString());
            }

            @Override
            public List<String> hierarchy(AccessContext access, List<String> conceptKeys, boolean below, int limit) {
                return terminology.hierarchy(access, conceptKeys, below);
            }

            @Override
            public List<String> valueSet(AccessContext access, String url) {
                return terminology.codes(access, url);
            }

            @Override
            public List<String> listItems(AccessContext access, String id) {
                return reader.read(access, "List/" + id).map(list -> {
                    List<String> keys = new ArrayList<>();
                    for (var entry : ResourceMapper.tree(list.json()).path("entry")) {
                        String ref = entry.path("item").path("reference").asText("");
                        String[] parts = ref.split("/");
                        if (parts.length >= 2 && !entry.path("deleted").asBoolean(false)) {
                            keys.add(parts[parts.length - 2] + "/" + parts[parts.length - 1]);
                        }
                    }
                    return keys;
                }).orElse(null);
            }
        }, compartment.paths());
    }

    /** A stored resource as a search reads it, with its keyset cursor when it is a match. */
    record Row(String type, String id, String json, long versionId, String lastUpdated, List<Object> cursor) {
        static Row of(Record r) {
            return new Row(r.get("type").asString(), r.get("id").asString(), r.get("json").asString(),
                    r.get("versionId").asLong(), r.get("lastUpdated").asString(),
                    r.containsKey("cursor") ? r.get("cursor").asList() : null);
        }

        String key() {
            return type + "/" + id;
        }
    }

    /** {@code GET [type]?request}: the matches, paged by keyset ({@link SearchBundle}). */
    public IBundleProvider search(AccessContext access, String type, Map<String, List<String>> request, boolean lenient) {
        return search(access, List.of(type), request, lenient, null);
    }

    /**
     * A search over several types (whole-system search, {@code Patient/[id]/*}), or of one type within a patient's
     * compartment ({@code compartment}: the patient's key, or null): the parameters must be known to every type
     * (unknown ones are ignored for a type only under lenient handling).
     */
    public IBundleProvider search(AccessContext access, List<String> types, Map<String, List<String>> request, boolean lenient,
                                  String compartment) {
        if (types.isEmpty()) throw SearchPlanner.bad("no resource type to search");
        List<SearchPlan> plans = new ArrayList<>();
        for (String type : types) plans.add(planner.plan(access, type, request, lenient, compartment));
        return new SearchBundle(this, plans, access);
    }

    /** The resource types that have resources in the graph (what a whole-system search without _type searches). */
    public List<String> typesPresent(AccessContext access) {
        return reader.list(access, "search/types-present", Map.of(), r -> r.get("label").asString()).stream()
                .filter(fhir.getResourceTypes()::contains).sorted().toList();
    }

    @Override
    public List<String> match(AccessContext access, String type, String query, int limit) {
        Map<String, List<String>> request = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            request.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return keys(access, planner.plan(access, type, request, false), limit);
    }

    /** One page: the matches after {@code after} (null: from the start), skipping {@code skip}, at most {@code limit}. */
    List<Row> page(AccessContext access, SearchPlan plan, List<Object> after, int skip, int limit) {
        if (plan.empty() || limit <= 0) return List.of();
        Map<String, Object> p = plan.parameters();
        p.put("after", after);
        p.put("skip", skip);
        p.put("limit", limit);
        // without _sort the order is the key's alone: the cheaper fragment, same page and cursor
        if (plan.scored()) return reader.list(access, plan.query("search/page-by-score"), p, Row::of);
        boolean unsorted = plan.sorts().stream().allMatch(sort -> "none".equals(sort.get("prop")));
        if (unsorted && plan.startsAtConcept()) {
            List<Row> rows = scanPage(access, plan, after, skip, limit);
            if (rows != null) return rows;
        }
        return reader.list(access, plan.query(unsorted ? "search/page-by-key" : "search/page"), p, Row::of);
    }

    /**
     * The page of a search starting at a common code, read by scanning the type in key order and keeping the matches
     * ({@code search/scan-by-key}): for a code on 10% of the type, ~500 reads fill a page of 50, where the start at the
     * code reads and sorts every use. The scan reads at most half as many resources as the code has uses, so when it
     * falls short (the code is common in other types, other conditions are selective, or this is the last page) it has
     * cost at most about half of the query that then answers. Null: not tried, or fell short.
     */
    private List<Row> scanPage(AccessContext access, SearchPlan plan, List<Object> after, int skip, int limit) {
        Map<String, Object> p = plan.scanParameters();
        long candidates = reader.list(access, "search/candidates", p, r -> r.get("candidates").asLong()).getFirst();
        if (candidates < scanMinCandidates) return null;
        p.put("after", after);
        p.put("skip", skip);
        p.put("limit", limit);
        p.put("scanLimit", Math.max(candidates / 2, skip + limit));
        List<Row> rows = reader.list(access, SCAN_PAGE, p, Row::of);
        return rows.size() == limit ? rows : null;
    }

    /** For tests: the uses from which a code's pages are first tried by a key-order scan. */
    void scanMinCandidates(int value) {
        scanMinCandidates = value;
    }

    int count(AccessContext access, SearchPlan plan) {
        if (plan.empty()) return 0;
        return reader.list(access, plan.query("search/count"), plan.parameters(), r -> r.get("total").asInt()).getFirst();
    }

    List<String> keys(AccessContext access, SearchPlan plan, int limit) {
        if (plan.empty()) return List.of();
        Map<String, Object> p = plan.parameters();
        p.put("limit", limit);
        return reader.list(access, plan.query("search/keys"), p, r -> r.get("key").asString());
    }

    /**
     * The _include and _revinclude resources of a page's matches (those not among them), then with :iterate those of
     * the included ones, round by round.
     */
    List<Row> included(AccessContext access, SearchPlan plan, List<Row> matches) {
        if (plan.includes().isEmpty() && plan.revincludes().isEmpty()) return List.of();
        Set<String> seen = new LinkedHashSet<>();
        matches.forEach(m -> seen.add(m.key()));
        List<Row> out = new ArrayList<>();
        List<Row> frontier = matches;
        for (int round = 0; round < ITERATE_DEPTH && !frontier.isEmpty(); round++) {
            List<Row> found = new ArrayList<>();
            for (SearchPlan.Include inc : plan.includes()) {
                if (round > 0 && !inc.iterate()) continue;
                List<String> keys = keysOf(frontier, List.of(inc.source()));
                if (keys.isEmpty()) continue;
                Map<String, Object> p = new HashMap<>();
                p.put("keys", keys);
                p.put("paths", inc.param().byRelationship() ? inc.param().paths() : List.of());
                p.put("prop", inc.param().byRelationship() ? "none" : inc.param().property());
                p.put("targetType", inc.target());
                p.put("limit", INCLUDE_LIMIT);
                found.addAll(reader.list(access, "search-include", p, Row::of));
            }
            for (SearchPlan.Include rev : plan.revincludes()) {
                if (round > 0 && !rev.iterate()) continue;
                if (rev.param() == null) {
                    List<String> keys = keysOf(frontier, List.of());
                    if (keys.isEmpty()) continue;
                    found.addAll(reader.list(access, "search/revinclude-all", Map.of("keys", keys, "limit", INCLUDE_LIMIT), Row::of));
                    continue;
                }
                List<String> targets = rev.target() != null ? List.of(rev.target()) : rev.param().targets();
                List<String> keys = keysOf(frontier, targets);
                if (keys.isEmpty()) continue;
                SearchPlan referencing = planner.referencing(rev.source(), rev.param(), keys);
                Map<String, Object> p = referencing.parameters();
                p.put("limit", INCLUDE_LIMIT);
                found.addAll(reader.list(access, referencing.query("search/rows"), p, Row::of));
            }
            // in key order: the same page of the same data answers the same bytes, whatever the store's internal ids
            // (a restored store, a replica)
            frontier = found.stream().filter(r -> seen.add(r.key())).sorted(java.util.Comparator.comparing(Row::key)).toList();
            out.addAll(frontier);
        }
        return out;
    }

    /** Keys of the rows of the given types (any type when {@code types} is empty). */
    private static List<String> keysOf(List<Row> rows, List<String> types) {
        return rows.stream().filter(r -> types.isEmpty() || types.contains(r.type())).map(Row::key).toList();
    }

    IBaseResource resource(Row row, BundleEntrySearchModeEnum mode) {
        IBaseResource r = HistoryBundle.stored(fhir, row.type(), row.id(), row.json(), row.versionId(), row.lastUpdated());
        ResourceMetadataKeyEnum.ENTRY_SEARCH_MODE.put(r, mode);
        return r;
    }
}
