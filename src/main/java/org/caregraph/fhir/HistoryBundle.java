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
 * One page of a history, newest first. HAPI pages history by offset (_offset in its next links, _count the page size):
 * each page is its own request, and this bundle hands HAPI the entries from {@code offset} on.
 */
public final class HistoryBundle implements IBundleProvider {
    /** The history's entries from {@code offset} on, at most {@code count}. */
    interface Page {
        List<IBaseResource> read(int offset, int count);
    }

    private final InstantType published = InstantType.now();
    private final int offset;
    private final Page page;
    private final Supplier<Integer> total;
    private Integer size;

    private HistoryBundle(Integer offset, Page page, Supplier<Integer> total) {
        this.offset = offset == null ? 0 : Math.max(0, offset);
        this.page = page;
        this.total = total;
    }

    /**
     * The history of a resource type ({@code type} null: of every type) from the graph (history-page.cypher,
     * history-count.cypher); {@code since} null: from the beginning.
     */
    static HistoryBundle ofType(FhirContext fhir, GraphReader reader, String type, IPrimitiveType<Date> since, Integer offset) {
        Map<String, Object> filter = new HashMap<>();
        filter.put("labels", List.of(type == null ? "Resource" : type));
        filter.put("since", since == null || since.getValue() == null ? null : since.getValue().toInstant().toString());
        return new HistoryBundle(offset, (from, count) -> {
            Map<String, Object> params = new HashMap<>(filter);
            params.put("offset", from);
            params.put("count", count);
            return reader.list(Access.current(), "history-page", params, r -> resource(fhir, r.get("type").asString(), r.get("id").asString(),
                    r.get("json").asString(null), r.get("versionId").asLong(), r.get("lastUpdated").asString(),
                    r.get("deleted").asBoolean()));
        }, () -> reader.list(Access.current(), "history-count", filter, r -> r.get("total").asInt()).getFirst());
    }

    /** A history already read whole (one resource's versions). */
    static HistoryBundle of(List<IBaseResource> versions, Integer offset) {
        return new HistoryBundle(offset, (from, count) -> versions.subList(Math.min(from, versions.size()),
                Math.min(from + count, versions.size())), versions::size);
    }

    @Override
    public IPrimitiveType<Date> getPublished() {
        return published;
    }

    @Override
    public List<IBaseResource> getResources(int from, int to) {
        return page.read(offset + from, Math.max(0, to - from));
    }

    @Override
    public Integer getCurrentPageOffset() {
        return offset;
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
    public Integer size() {
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
