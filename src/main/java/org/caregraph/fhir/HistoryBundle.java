package org.caregraph.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.ResourceMetadataKeyEnum;
import ca.uhn.fhir.model.valueset.BundleEntryTransactionMethodEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.caregraph.graph.GraphReader;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Resource;

/**
 * One page of the history of a resource type or of the whole server, newest first, read from the graph
 * (history-page.cypher, history-count.cypher). HAPI pages history by offset (_offset in its next links): each page is
 * its own request, read from {@code offset} on.
 */
final class HistoryBundle implements IBundleProvider {
    private final FhirContext fhir;
    private final GraphReader reader;
    private final Map<String, Object> filter = new HashMap<>();
    private final InstantType published = InstantType.now();
    private final int offset;
    private Integer size;

    /** {@code type} null: every type; {@code since} null: from the beginning; {@code offset} null: the first page. */
    HistoryBundle(FhirContext fhir, GraphReader reader, String type, IPrimitiveType<Date> since, Integer offset) {
        this.fhir = fhir;
        this.reader = reader;
        this.offset = offset == null ? 0 : Math.max(0, offset);
        filter.put("labels", List.of(type == null ? "Resource" : type));
        filter.put("since", since == null || since.getValue() == null ? null : since.getValue().toInstant().toString());
    }

    @Override
    public IPrimitiveType<Date> getPublished() {
        return published;
    }

    @Override
    public List<IBaseResource> getResources(int from, int to) {
        Map<String, Object> params = new HashMap<>(filter);
        params.put("offset", offset + from);
        params.put("count", Math.max(0, to - from));
        return reader.list("history-page", params, r -> resource(fhir, r.get("type").asString(), r.get("id").asString(),
                r.get("json").asString(null), r.get("versionId").asLong(), r.get("lastUpdated").asString(),
                r.get("deleted").asBoolean()));
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
        if (size == null) size = reader.list("history-count", filter, r -> r.get("total").asInt()).getFirst();
        return size;
    }

    /**
     * A stored version as a resource, with the server's id, version and time in meta, and the interaction HAPI writes
     * into a history entry. A deletion has no content: an empty resource of
     * its type, which HAPI writes as a history entry with request DELETE and no resource.
     */
    static IBaseResource resource(FhirContext fhir, String type, String id, String json, long versionId,
                                  String lastUpdated, boolean deleted) {
        Resource r = (Resource) (json == null ? fhir.getResourceDefinition(type).newInstance()
                : fhir.newJsonParser().parseResource(json));
        r.getMeta().setVersionId(String.valueOf(versionId));
        r.getMeta().setLastUpdatedElement(new InstantType(lastUpdated));
        r.setId(new IdType(type, id, String.valueOf(versionId)));
        // the interaction a history entry reports (the graph keeps no record of POST versus PUT: a first version is
        // reported as a create)
        ResourceMetadataKeyEnum.ENTRY_TRANSACTION_METHOD.put(r, deleted ? BundleEntryTransactionMethodEnum.DELETE
                : versionId == 1 ? BundleEntryTransactionMethodEnum.POST : BundleEntryTransactionMethodEnum.PUT);
        if (deleted) ResourceMetadataKeyEnum.DELETED_AT.put(r, new InstantType(lastUpdated));
        return r;
    }
}
