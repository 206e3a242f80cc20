package org.caregraph.fhir.search;

import org.caregraph.security.AccessContext;
import org.caregraph.fhir.PageOwner;
import ca.uhn.fhir.model.valueset.BundleEntrySearchModeEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.server.method.ResponsePage;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.InstantType;

/**
 * The result of one search, as HAPI pages it: HAPI keeps this object between page requests (its paging provider) and
 * asks for the entries {@code from} to {@code to}. It holds no results, only the plan and, for each page boundary
 * reached, the keyset cursor (sort values and key of the last entry before it): the next page seeks from there, so it
 * neither re-runs the pages before it nor shifts when resources are written in between.
 */
final class SearchBundle implements IBundleProvider {
    private final InstantType published = InstantType.now();
    private final GraphSearch search;
    /** One plan per searched type: several for a whole-system search, merged in cursor order. */
    private final List<SearchPlan> plans;
    private final SearchPlan plan;
    /** Offset of a page boundary → cursor of the entry before it (null for offset 0). */
    private final TreeMap<Integer, List<Object>> cursors = new TreeMap<>();
    private Integer size;
    /** who ran the search: its pages are theirs alone */
    private final String owner;

    SearchBundle(GraphSearch search, List<SearchPlan> plans, AccessContext access) {
        this.search = search;
        this.plans = plans;
        this.plan = plans.getFirst();
        this.owner = PageOwner.of(access);
        cursors.put(0, null);
    }

    @Override
    public List<IBaseResource> getResources(int from, int to) {
        return getResources(from, to, new ResponsePage.ResponsePageBuilder());
    }

    /**
     * The page's matches, then their includes. One match more than the page is read, so that HAPI knows whether there
     * is a next page ({@code totalRequestedResourcesFetched}) instead of guessing from a full page: a last page that is
     * exactly full gets no next link to an empty page.
     */
    @Override
    public synchronized List<IBaseResource> getResources(int from, int to, ResponsePage.ResponsePageBuilder page) {
        Map.Entry<Integer, List<Object>> start = cursors.floorEntry(from);
        // _maxresults: nothing from there on
        if (plan.maxResults() != null) to = Math.min(to, plan.maxResults());
        int size = Math.max(0, to - from);
        AccessContext access = PageOwner.caller(owner);
        List<GraphSearch.Row> fetched = plans.size() == 1
                ? search.page(access, plan, start.getValue(), from - start.getKey(), size + 1)
                : merged(access, start.getValue(), from - start.getKey(), size + 1);
        List<GraphSearch.Row> rows = fetched.subList(0, Math.min(size, fetched.size()));
        if (!rows.isEmpty()) cursors.put(from + rows.size(), rows.getLast().cursor());
        List<IBaseResource> out = new ArrayList<>(rows.size());
        for (GraphSearch.Row row : rows) out.add(search.resource(row, BundleEntrySearchModeEnum.MATCH));
        List<GraphSearch.Row> included = new ArrayList<>();
        for (SearchPlan p : plans) {
            included.addAll(search.included(access, p, plans.size() == 1 ? rows
                    : rows.stream().filter(r -> r.type().equals(p.type())).toList()));
        }
        for (GraphSearch.Row row : included) out.add(search.resource(row, BundleEntrySearchModeEnum.INCLUDE));
        page.setTotalRequestedResourcesFetched(plan.maxResults() != null && from + fetched.size() > plan.maxResults()
                ? plan.maxResults() - from : fetched.size());
        page.setIncludedResourceCount(included.size());
        return out;
    }

    /** Bundle.total: counted unless _total=none (then HAPI pages by whether a next page exists); within _maxresults. */
    @Override
    public synchronized Integer size() {
        if (size == null && plan.total()) {
            AccessContext access = PageOwner.caller(owner);
            size = plans.stream().mapToInt(p -> search.count(access, p)).sum();
            if (plan.maxResults() != null) size = Math.min(size, plan.maxResults());
        }
        return size;
    }

    /**
     * The page of a whole-system search: each type's matches after the cursor, merged in the order of their cursors
     * (sort values, then key), as one query over every type would give them.
     */
    private List<GraphSearch.Row> merged(AccessContext access, List<Object> after, int skip, int limit) {
        List<GraphSearch.Row> all = new ArrayList<>();
        for (SearchPlan p : plans) all.addAll(search.page(access, p, after, 0, skip + limit));
        List<Boolean> desc = plan.scored() ? List.of(true, false, false, false) : plan.desc();
        all.sort((a, b) -> compare(a.cursor(), b.cursor(), desc));
        return all.subList(Math.min(skip, all.size()), Math.min(skip + limit, all.size()));
    }

    private static int compare(List<Object> a, List<Object> b, List<Boolean> desc) {
        for (int i = 0; i < a.size(); i++) {
            int c = compareValues(a.get(i), b.get(i));
            if (c != 0) return desc.get(i) ? -c : c;
        }
        return 0;
    }

    private static int compareValues(Object a, Object b) {
        if (a == null || b == null) return a == null ? (b == null ? 0 : -1) : 1;
        if (a instanceof Number x && b instanceof Number y) return Double.compare(x.doubleValue(), y.doubleValue());
        return a.toString().compareTo(b.toString());
    }

    @Override
    public IPrimitiveType<Date> getPublished() {
        return published;
    }

    @Override
    public String getUuid() {
        return null;
    }

    @Override
    public Integer preferredPageSize() {
        return null;
    }
}
