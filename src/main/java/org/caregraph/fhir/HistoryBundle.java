package org.caregraph.fhir;

import org.caregraph.security.Access;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.ResourceMetadataKeyEnum;
import ca.uhn.fhir.model.valueset.BundleEntryTransactionMethodEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.caregraph.graph.GraphReader;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Resource;

/**
 * A history, newest first, paged by HAPI's paging provider like a search (its page links carry the page id): the
 * versions are those written up to the first request ({@code published}), so a write between two page requests shifts
 * nothing; the pages are the requester's alone ({@link PageOwner}).
 */
public final class HistoryBundle implements IBundleProvider {
    /** The history's entries from {@code offset} on, at most {@code count}. */
    interface Page {
        List<IBaseResource> read(int offset, int count);
    }

    private final InstantType published = InstantType.now();
    private final String owner = PageOwner.of(Access.current());
    private final Page page;
    private final Supplier<Integer> total;
    private Integer size;

    private HistoryBundle(Page page, Supplier<Integer> total) {
        this.page = page;
        this.total = total;
    }

    /**
     * The history of a resource type ({@code type} null: of every type) from the graph (history-page.cypher,
     * history-count.cypher); {@code since} null: from the beginning.
     */
    static HistoryBundle ofType(FhirContext fhir, GraphReader reader, String type, IPrimitiveType<Date> since) {
        Map<String, Object> filter = new HashMap<>();
        filter.put("before", java.time.Instant.now().toString());
        filter.put("labels", List.of(type == null ? "Resource" : type));
        filter.put("since", since == null || since.getValue() == null ? null : since.getValue().toInstant().toString());
        return new HistoryBundle((from, count) -> {
            Map<String, Object> params = new HashMap<>(filter);
            params.put("offset", from);
            params.put("count", count);
            return reader.list(Access.current(), "history-page", params, r -> resource(fhir, r.get("type").asString(), r.get("id").asString(),
                    r.get("json").asString(null), r.get("versionId").asLong(), r.get("lastUpdated").asString(),
                    r.get("deleted").asBoolean()));
        }, () -> reader.list(Access.current(), "history-count", filter, r -> r.get("total").asInt()).getFirst());
    }

    /** A history already read whole (one resource's versions). */
    static HistoryBundle of(List<IBaseResource> versions) {
        return new HistoryBundle((from, count) -> versions.subList(Math.min(from, versions.size()),
                Math.min(from + count, versions.size())), versions::size);
    }

    @Override
    public IPrimitiveType<Date> getPublished() {
        return published;
    }

    @Override
    public List<IBaseResource> getResources(int from, int to) {
        PageOwner.caller(owner);
        return page.read(from, Math.max(0, to - from));
    }

    @Override
    public String getUuid() {
        return null;
    }

    @Override
    public Integer preferredPageSize() {
        return null;
    }

    @Override
    public synchronized Integer size() {
        PageOwner.caller(owner);
        if (size == null) size = total.get();
        return size;
    }

    /** A stored version as a resource, with the server's id, version and time in meta (an empty one without content). */
    public static Resource stored(FhirContext fhir, String type, String id, String json, long versionId, String lastUpdated) {
        Resource r = (Resource) (json == null ? fhir.getResourceDefinition(type).newInstance()
                : fhir.newJsonParser().parseResource(json));
        r.getMeta().setVersionId(String.valueOf(versionId));
        r.getMeta().setLastUpdatedElement(new InstantType(lastUpdated));
        r.setId(new IdType(type, id, String.valueOf(versionId)));
        return r;
    }

    /**
     * A stored version as a resource, with the server's id, version and time in meta, and the interaction HAPI writes
     * into a history entry. A deletion has no content: an empty resource of its type, which HAPI writes as a history
     * entry with request DELETE and no resource.
     */
    static IBaseResource resource(FhirContext fhir, String type, String id, String json, long versionId,
                                  String lastUpdated, boolean deleted) {
        Resource r = stored(fhir, type, id, json, versionId, lastUpdated);
        // the interaction a history entry reports (the graph keeps no record of POST versus PUT: a first version is
        // reported as a create)
        ResourceMetadataKeyEnum.ENTRY_TRANSACTION_METHOD.put(r, deleted ? BundleEntryTransactionMethodEnum.DELETE
                : versionId == 1 ? BundleEntryTransactionMethodEnum.POST : BundleEntryTransactionMethodEnum.PUT);
        if (deleted) ResourceMetadataKeyEnum.DELETED_AT.put(r, new InstantType(lastUpdated));
        return r;
    }
}
