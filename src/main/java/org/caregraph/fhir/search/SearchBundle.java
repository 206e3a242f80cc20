package org.caregraph.fhir.search;

import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import org.caregraph.security.AccessContext;
import org.caregraph.security.Access;
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
    private final SearchPlan plan;
    /** Offset of a page boundary → cursor of the entry before it (null for offset 0). */
    private final TreeMap<Integer, List<Object>> cursors = new TreeMap<>();
    private Integer size;
    /** who ran the search: its pages are theirs alone */
    private final String owner;

    SearchBundle(GraphSearch search, SearchPlan plan, AccessContext access) {
        this.search = search;
        this.plan = plan;
        this.owner = owner(access);
        cursors.put(0, null);
    }

    private static String owner(AccessContext access) {
        return access.kind() + " " + access.clientId() + " " + access.user() + " " + access.patient() + " " + access.scopes();
    }

    /**
     * The caller of a page request: the one who ran the search. A paging link replayed with another token finds no
     * such search (404), and each page is read with the current caller's context anyway.
     */
    private static AccessContext caller(String owner) {
        AccessContext access = Access.current();
        if (!owner.equals(owner(access))) throw new ResourceNotFoundException("no such search page");
        return access;
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
        int size = Math.max(0, to - from);
        AccessContext access = caller(owner);
        List<GraphSearch.Row> fetched = search.page(access, plan, start.getValue(), from - start.getKey(), size + 1);
        List<GraphSearch.Row> rows = fetched.subList(0, Math.min(size, fetched.size()));
        if (!rows.isEmpty()) cursors.put(from + rows.size(), rows.getLast().cursor());
        List<IBaseResource> out = new ArrayList<>(rows.size());
        for (GraphSearch.Row row : rows) out.add(search.resource(row, BundleEntrySearchModeEnum.MATCH));
        List<GraphSearch.Row> included = search.included(access, plan, rows);
        for (GraphSearch.Row row : included) out.add(search.resource(row, BundleEntrySearchModeEnum.INCLUDE));
        page.setTotalRequestedResourcesFetched(fetched.size());
        page.setIncludedResourceCount(included.size());
        return out;
    }

    /** Counted only when asked for (_total=accurate, _summary=count): a count reads every match. */
    @Override
    public synchronized Integer size() {
        if (size == null && plan.total()) size = search.count(caller(owner), plan);
        return size;
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
