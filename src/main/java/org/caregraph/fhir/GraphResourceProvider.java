package org.caregraph.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.ConditionalUrlParam;
import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.Delete;
import ca.uhn.fhir.rest.annotation.History;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Offset;
import ca.uhn.fhir.rest.annotation.Patch;
import ca.uhn.fhir.rest.annotation.RawParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Since;
import ca.uhn.fhir.rest.annotation.Update;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.annotation.Validate;
import ca.uhn.fhir.rest.api.ValidationModeEnum;
import java.util.Objects;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Meta;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Resource;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.PatchTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.ResourceVersionConflictException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.caregraph.fhir.search.GraphSearch;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.GraphWriter;
import org.caregraph.graph.InvalidResourceException;
import org.caregraph.graph.ResourceMapper;
import org.caregraph.graph.ResourceRecord;
import org.caregraph.security.Access;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * FHIR REST interactions for one resource type (an instance is registered for every R4 type), on the graph: reads
 * through {@link GraphReader}, writes through the same {@link ResourceMapper} and {@link GraphWriter} as the import,
 * so a resource written here gets exactly the relationships, concepts and journey an imported one gets.
 */
public class GraphResourceProvider implements IResourceProvider {
    private final Class<? extends IBaseResource> type;
    private final String typeName;
    private final FhirContext fhir;
    private final GraphReader reader;
    private final GraphWriter writer;
    private final GraphSearch search;
    private final ResourceWrites writes;
    private final ConditionalInteractions conditional;

    private final ResourceValidation validation;

    GraphResourceProvider(Class<? extends IBaseResource> type, FhirContext fhir, GraphReader reader,
                          ResourceWrites writes, GraphWriter writer, GraphSearch search, ConditionalInteractions conditional,
                          ResourceValidation validation) {
        this.validation = validation;
        this.type = type;
        this.typeName = fhir.getResourceType(type);
        this.fhir = fhir;
        this.reader = reader;
        this.writer = writer;
        this.search = search;
        this.writes = writes;
        this.conditional = conditional;
    }

    @Override
    public Class<? extends IBaseResource> getResourceType() {
        return type;
    }

    @Read(version = true)
    public IBaseResource read(@IdParam IdType id) {
        String key = typeName + "/" + id.getIdPart();
        if (!id.hasVersionIdPart()) {
            Optional<GraphReader.StoredResource> current = reader.read(Access.current(), key);
            if (current.isPresent()) return parse(id.getIdPart(), current.get());
            // a resource with a history but no current version was deleted
            if (!reader.history(Access.current(), key).isEmpty()) throw gone(id);
            throw notFound(id);
        }
        if (!id.isVersionIdPartValidLong()) throw notFound(id);
        long version = id.getVersionIdPartAsLong();
        GraphReader.StoredResource stored = reader.history(Access.current(), key).stream().filter(v -> v.versionId() == version).findFirst()
                .orElseThrow(() -> notFound(id));
        if (stored.deleted()) throw gone(id);
        return parse(id.getIdPart(), stored);
    }

    /**
     * {@code GET /fhir/[type]?...}: every parameter goes to {@link GraphSearch}, which knows the type's search
     * parameters (HAPI would otherwise want each declared here); {@code Prefer: handling=lenient} ignores unknown ones.
     */
    @Search(allowUnknownParams = true)
    public IBundleProvider search(@RawParam Map<String, List<String>> ignored, RequestDetails request) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        request.getParameters().forEach((k, v) -> params.put(k, Arrays.asList(v)));
        String compartment = FhirRequestRewrite.compartment(request);
        return compartment == null ? search.search(Access.current(), typeName, params, lenient(request))
                : search.search(Access.current(), List.of(typeName), params, lenient(request), compartment);
    }

    /** {@code Prefer: handling=lenient}: unknown search parameters are ignored. */
    static boolean lenient(RequestDetails request) {
        String prefer = request.getHeader("Prefer");
        return prefer != null && prefer.replace(" ", "").contains("handling=lenient");
    }

    @History
    public IBundleProvider history(@IdParam IdType id, @Offset Integer offset) {
        List<GraphReader.StoredResource> versions = reader.history(Access.current(), typeName + "/" + id.getIdPart());
        if (versions.isEmpty()) throw notFound(id);
        return HistoryBundle.of(versions.stream().map(v -> parse(id.getIdPart(), v)).toList(), offset);
    }

    /** {@code GET /fhir/[type]/_history}: the type's versions, newest first, paged. */
    @History
    public IBundleProvider typeHistory(@Since InstantType since, @Offset Integer offset) {
        return HistoryBundle.ofType(fhir, reader, typeName, since, offset);
    }

    /**
     * {@code DELETE /fhir/[type]/[id]}, or conditional {@code DELETE /fhir/[type]?query} (the one match; none: nothing to
     * delete; several: 412, nothing deleted — deleting all of them on a query a client may have got wrong is not worth
     * the risk): the resource becomes a deleted version (its history stays readable; an update re-creates it). 200 with
     * an OperationOutcome saying what happened, also when there was nothing to delete: FHIR allows 200 or 204 for an
     * unknown or already deleted resource, and the outcome tells the client which case it was.
     */
    @Delete
    public MethodOutcome delete(@IdParam IdType id, @ConditionalUrlParam String condition) {
        // a conditional delete matches and deletes under the writer lock: no write comes between the two
        record Deleted(Optional<String> target, Optional<Long> version) {
        }
        Deleted deleted = writer.exclusively(() -> {
            Optional<String> key = id != null && id.hasIdPart() ? Optional.of(typeName + "/" + id.getIdPart())
                    : conditional.single(typeName, condition);
            return new Deleted(key, key.flatMap(k -> writer.delete(Access.current(), k)));
        });
        Optional<String> target = deleted.target();
        Optional<Long> version = deleted.version();
        version.ifPresent(v -> writer.linkJourneys(Access.current()));
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.INFORMATION)
                .setCode(OperationOutcome.IssueType.INFORMATIONAL)
                .setDiagnostics(version.map(v -> "deleted " + target.get() + " (version " + v + ")")
                        .orElse("nothing deleted: " + target.orElse(typeName + "?" + condition) + " does not exist or is already deleted"));
        MethodOutcome out = new MethodOutcome().setOperationOutcome(outcome);
        version.ifPresent(v -> out.setId(new IdType(target.get() + "/_history/" + v)));
        return out;
    }

    /** {@code POST /fhir/[type]}; with If-None-Exist a conditional create (one match: 200 with it, nothing written). */
    @Create
    public MethodOutcome create(@ResourceParam IBaseResource resource, @ConditionalUrlParam String ifNoneExist) {
        // the server assigns the id of a created resource (FHIR ignores one sent with a create)
        if (ifNoneExist == null) return store(writes.json(resource), UUID.randomUUID().toString(), null);
        // match and create under the writer lock: two concurrent conditional creates of one thing create it once
        return writer.exclusively(() -> {
            Optional<String> existing = conditional.single(typeName, ifNoneExist);
            if (existing.isEmpty()) return store(writes.json(resource), UUID.randomUUID().toString(), null);
            String id = existing.get().substring(typeName.length() + 1);
            IBaseResource found = parse(id, reader.read(Access.current(), existing.get()).orElseThrow(() -> notFound(new IdType(existing.get()))));
            return new MethodOutcome(found.getIdElement(), false).setResource(found)
                    .setOperationOutcome(validation.ok("matched " + existing.get() + ": nothing created"));
        });
    }

    /**
     * {@code PUT /fhir/[type]/[id]} (with If-Match: only a change of that version), or conditional
     * {@code PUT /fhir/[type]?query}: one match is updated, none creates (under the body's id, else a new one).
     */
    @Update
    public MethodOutcome update(@IdParam IdType id, @ResourceParam IBaseResource resource, @ConditionalUrlParam String condition,
                                RequestDetails request) {
        if (id != null && id.hasIdPart()) {
            // http.html#update: no id in the body, or another one, is a 400 (HAPI may have filled in the URL's)
            String bodyId = writes.bodyId(request);
            if (bodyId == null) throw new InvalidRequestException("the resource has no id: an update carries the id '" + id.getIdPart() + "' the request names");
            if (!bodyId.equals(id.getIdPart())) throw idMismatch(bodyId, id.getIdPart());
            // HAPI puts an If-Match version on the id: then only a change of that very version is written
            Long expected = id.hasVersionIdPart() ? ResourceWrites.ifMatch(id.getVersionIdPart()) : null;
            return located(store(writes.json(resource), id.getIdPart(), expected), request);
        }
        // HAPI drops the body's id on a conditional update: the request itself says what the client sent
        String bodyId = writes.bodyId(request);
        // match and write under the writer lock: two concurrent conditional updates that match nothing create once
        return writer.exclusively(() -> {
            String target = conditional.single(typeName, condition).map(k -> k.substring(typeName.length() + 1))
                    .orElse(bodyId != null ? bodyId : UUID.randomUUID().toString());
            if (bodyId != null && !bodyId.equals(target)) throw idMismatch(bodyId, target);
            return located(store(writes.json(resource), target, null), request);
        });
    }

    /** An update answers with the Location of the version it wrote, as a create does (HAPI writes none for it). */
    private static MethodOutcome located(MethodOutcome out, RequestDetails request) {
        request.getResponse().addHeader("Location", request.getFhirServerBase() + "/" + out.getId().toUnqualified().getValue());
        return out;
    }

    private static InvalidRequestException idMismatch(String bodyId, String target) {
        return new InvalidRequestException("resource id '" + bodyId + "' does not match the id '" + target + "' the request names");
    }

    /**
     * {@code PATCH /fhir/[type]/[id]} (or {@code [type]?query}) with a JSON Patch document
     * ({@code Content-Type: application/json-patch+json}); If-Match honoured. Without If-Match the patch still applies
     * only to the version it was computed on: a concurrent change in between is a 409.
     */
    @Patch
    public MethodOutcome patch(@IdParam IdType id, PatchTypeEnum patchType, @ResourceParam String body,
                               @ConditionalUrlParam String condition, RequestDetails request) {
        if (patchType != PatchTypeEnum.JSON_PATCH && patchType != PatchTypeEnum.FHIR_PATCH_JSON && patchType != PatchTypeEnum.FHIR_PATCH_XML) {
            throw new InvalidRequestException("XML Patch is not supported: send a JSON Patch (application/json-patch+json) "
                    + "or a FHIRPath Patch (a Parameters resource)");
        }
        String key = id != null && id.hasIdPart() ? typeName + "/" + id.getIdPart()
                : conditional.single(typeName, condition).orElseThrow(() -> new ResourceNotFoundException(
                        "conditional '" + typeName + "?" + condition + "' matches no " + typeName));
        IdType target = new IdType(key);
        GraphReader.StoredResource current = reader.read(Access.current(), key).orElseThrow(
                () -> reader.history(Access.current(), key).isEmpty() ? notFound(target) : gone(target));
        Long ifMatch = id != null && id.hasVersionIdPart() ? ResourceWrites.ifMatch(id.getVersionIdPart())
                : ResourceWrites.ifMatch(request.getHeader("If-Match"));
        ObjectNode patched;
        try {
            patched = patchType == PatchTypeEnum.JSON_PATCH ? JsonPatcher.apply(ResourceMapper.tree(current.json()), body)
                    : writes.fhirPathPatch(typeName, current.json(), body, patchType == PatchTypeEnum.FHIR_PATCH_XML);
        } catch (InvalidResourceException e) {
            throw writes.unprocessable(e);
        }
        MethodOutcome out;
        if (ifMatch != null) {
            out = store(patched, target.getIdPart(), ifMatch);
        } else {
            try {
                out = store(patched, target.getIdPart(), current.versionId());
            } catch (PreconditionFailedException e) {
                throw new ResourceVersionConflictException(key + " changed while it was patched; retry");
            }
        }
        // HAPI writes the ETag of a create or update, not of a patch
        request.getResponse().addHeader("ETag", "W/\"" + out.getId().getVersionIdPart() + "\"");
        return out;
    }

    /** {@code $validate} on the type or an instance: against the base spec and stored profiles ({@link ResourceValidation}). */
    @Validate
    public MethodOutcome validate(@ResourceParam IBaseResource resource, @IdParam(optional = true) IdType id,
                                  @Validate.Mode ValidationModeEnum mode, @Validate.Profile String profile) {
        if (mode == ValidationModeEnum.DELETE) {
            if (id == null || !id.hasIdPart()) throw new InvalidRequestException("$validate mode=delete names an instance");
            read(id.toUnqualifiedVersionless());
            return new MethodOutcome(validation.ok("the resource may be deleted"));
        }
        if (resource == null) {
            if (id == null || !id.hasIdPart()) throw new InvalidRequestException("$validate needs a resource (the body, or a Parameters with 'resource')");
            resource = read(id.toUnqualifiedVersionless());
        }
        if (mode == ValidationModeEnum.UPDATE && (id == null || !id.hasIdPart())) {
            throw new InvalidRequestException("$validate mode=update names an instance");
        }
        return new MethodOutcome(validation.validate(Access.current(), resource, profile));
    }

    /** {@code GET [type]/[id]/$meta}: the instance's tags, security labels and profiles. */
    @Operation(name = "$meta", idempotent = true)
    public Parameters meta(@IdParam IdType id) {
        Parameters out = new Parameters();
        out.addParameter().setName("return").setValue(((Resource) read(id.toUnqualifiedVersionless())).getMeta().copy()
                .setVersionIdElement(null).setLastUpdatedElement(null));
        return out;
    }

    /** {@code POST [type]/[id]/$meta-add}: adds the given tags, security labels and profiles (a new version). */
    @Operation(name = "$meta-add")
    public Parameters metaAdd(@IdParam IdType id, @OperationParam(name = "meta", min = 1) Meta meta) {
        return changeMeta(id, meta, true);
    }

    /** {@code POST [type]/[id]/$meta-delete}: removes them (a new version). */
    @Operation(name = "$meta-delete")
    public Parameters metaDelete(@IdParam IdType id, @OperationParam(name = "meta", min = 1) Meta meta) {
        return changeMeta(id, meta, false);
    }

    private Parameters changeMeta(IdType id, Meta change, boolean add) {
        Resource resource = (Resource) read(id.toUnqualifiedVersionless());
        Meta meta = resource.getMeta();
        for (Coding tag : change.getTag()) {
            meta.getTag().removeIf(t -> Objects.equals(t.getSystem(), tag.getSystem()) && Objects.equals(t.getCode(), tag.getCode()));
            if (add) meta.addTag(tag.copy());
        }
        for (Coding label : change.getSecurity()) {
            meta.getSecurity().removeIf(t -> Objects.equals(t.getSystem(), label.getSystem()) && Objects.equals(t.getCode(), label.getCode()));
            if (add) meta.addSecurity(label.copy());
        }
        for (CanonicalType profile : change.getProfile()) {
            meta.getProfile().removeIf(p -> Objects.equals(p.getValue(), profile.getValue()));
            if (add) meta.addProfile(profile.getValue());
        }
        MethodOutcome stored = store(writes.json(resource), id.getIdPart(), resource.getMeta().hasVersionId()
                ? Long.valueOf(resource.getMeta().getVersionId()) : null);
        return meta(new IdType(typeName, id.getIdPart()));
    }

    private MethodOutcome store(ObjectNode tree, String id, Long expectedVersion) {
        ResourceRecord record = writes.record(tree, id, null);
        boolean existed = reader.read(Access.current(), record.key()).isPresent();
        GraphWriter.Stored stored = writes.commit(List.of(GraphWriter.Op.write(record, expectedVersion))).get(record.key());
        IBaseResource saved = parse(id, new GraphReader.StoredResource(record.json(), stored.versionId(), stored.lastUpdated(), false));
        // the outcome is what Prefer: return=OperationOutcome answers
        return new MethodOutcome(saved.getIdElement(), !existed).setResource(saved)
                .setOperationOutcome(validation.ok((existed ? "updated " : "created ") + record.key() + " (version " + stored.versionId() + ")"));
    }

    private IBaseResource parse(String id, GraphReader.StoredResource stored) {
        return writes.resource(typeName, id, stored);
    }

    private static ResourceGoneException gone(IdType id) {
        return new ResourceGoneException(id);
    }

    private static ResourceNotFoundException notFound(IdType id) {
        return new ResourceNotFoundException(id);
    }
}
