package org.caregraph.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.Delete;
import ca.uhn.fhir.rest.annotation.History;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Offset;
import ca.uhn.fhir.rest.annotation.RawParam;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Since;
import ca.uhn.fhir.rest.annotation.Update;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
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
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Class<? extends IBaseResource> type;
    private final String typeName;
    private final FhirContext fhir;
    private final GraphReader reader;
    private final ResourceMapper mapper;
    private final GraphWriter writer;
    private final GraphSearch search;

    GraphResourceProvider(Class<? extends IBaseResource> type, FhirContext fhir, GraphReader reader,
                          ResourceMapper mapper, GraphWriter writer, GraphSearch search) {
        this.type = type;
        this.typeName = fhir.getResourceType(type);
        this.fhir = fhir;
        this.reader = reader;
        this.mapper = mapper;
        this.writer = writer;
        this.search = search;
    }

    @Override
    public Class<? extends IBaseResource> getResourceType() {
        return type;
    }

    @Read(version = true)
    public IBaseResource read(@IdParam IdType id) {
        String key = typeName + "/" + id.getIdPart();
        if (!id.hasVersionIdPart()) {
            Optional<GraphReader.StoredResource> current = reader.read(key);
            if (current.isPresent()) return parse(id.getIdPart(), current.get());
            // a resource with a history but no current version was deleted
            if (!reader.history(key).isEmpty()) throw gone(id);
            throw notFound(id);
        }
        if (!id.isVersionIdPartValidLong()) throw notFound(id);
        long version = id.getVersionIdPartAsLong();
        GraphReader.StoredResource stored = reader.history(key).stream().filter(v -> v.versionId() == version).findFirst()
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
        String prefer = request.getHeader("Prefer");
        return search.search(typeName, params, prefer != null && prefer.replace(" ", "").contains("handling=lenient"));
    }

    @History
    public IBundleProvider history(@IdParam IdType id, @Offset Integer offset) {
        List<GraphReader.StoredResource> versions = reader.history(typeName + "/" + id.getIdPart());
        if (versions.isEmpty()) throw notFound(id);
        return HistoryBundle.of(versions.stream().map(v -> parse(id.getIdPart(), v)).toList(), offset);
    }

    /** {@code GET /fhir/[type]/_history}: the type's versions, newest first, paged. */
    @History
    public IBundleProvider typeHistory(@Since InstantType since, @Offset Integer offset) {
        return HistoryBundle.ofType(fhir, reader, typeName, since, offset);
    }

    /**
     * {@code DELETE /fhir/[type]/[id]}: the resource becomes a deleted version (its history stays readable; an update
     * re-creates it). 200 with an OperationOutcome saying what happened, also when there was nothing to delete: FHIR
     * allows 200 or 204 for an unknown or already deleted resource, and the outcome tells the client which case it was.
     */
    @Delete
    public MethodOutcome delete(@IdParam IdType id) {
        String key = typeName + "/" + id.getIdPart();
        Optional<Long> version = writer.delete(key);
        version.ifPresent(v -> writer.linkJourneys());
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.INFORMATION)
                .setCode(OperationOutcome.IssueType.INFORMATIONAL)
                .setDiagnostics(version.map(v -> "deleted " + key + " (version " + v + ")")
                        .orElse("nothing deleted: " + key + " does not exist or is already deleted"));
        MethodOutcome out = new MethodOutcome().setOperationOutcome(outcome);
        version.ifPresent(v -> out.setId(new IdType(typeName, id.getIdPart(), String.valueOf(v))));
        return out;
    }

    @Create
    public MethodOutcome create(@ResourceParam IBaseResource resource) {
        // the server assigns the id of a created resource (FHIR ignores one sent with a create)
        return store(resource, UUID.randomUUID().toString(), true, null);
    }

    @Update
    public MethodOutcome update(@IdParam IdType id, @ResourceParam IBaseResource resource) {
        String bodyId = resource.getIdElement().getIdPart();
        if (bodyId != null && !bodyId.equals(id.getIdPart())) {
            throw new InvalidRequestException("resource id '" + bodyId + "' does not match the URL id '" + id.getIdPart() + "'");
        }
        boolean existed = reader.read(typeName + "/" + id.getIdPart()).isPresent();
        // HAPI puts an If-Match version on the id: then only a change of that very version is written
        Long expected = null;
        if (id.hasVersionIdPart()) {
            if (!id.isVersionIdPartValidLong()) throw preconditionFailed(id.getVersionIdPart());
            expected = id.getVersionIdPartAsLong();
        }
        return store(resource, id.getIdPart(), !existed, expected);
    }

    private MethodOutcome store(IBaseResource resource, String id, boolean created, Long expectedVersion) {
        ObjectNode tree;
        try {
            tree = (ObjectNode) JSON.readTree(fhir.newJsonParser().encodeResourceToString(resource));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        tree.put("id", id);
        if (tree.get("meta") instanceof ObjectNode meta) {
            // version and time are the server's to assign
            meta.remove("versionId");
            meta.remove("lastUpdated");
            if (meta.isEmpty()) tree.remove("meta");
        }
        ResourceRecord record;
        try {
            record = mapper.map(tree, null);
        } catch (InvalidResourceException e) {
            OperationOutcome outcome = new OperationOutcome();
            var issue = outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
                    .setCode(OperationOutcome.IssueType.fromCode(e.code())).setDiagnostics(e.getMessage());
            if (e.expression() != null) issue.addExpression(e.expression());
            throw new UnprocessableEntityException(fhir, outcome);
        }
        if (expectedVersion == null) {
            writer.write(List.of(record));
        } else {
            try {
                writer.writeIfVersion(record, expectedVersion);
            } catch (GraphWriter.VersionConflictException e) {
                throw preconditionFailed(e.getMessage());
            }
        }
        writer.linkJourneys();
        GraphReader.StoredResource stored = reader.read(record.key()).orElseThrow();
        IBaseResource saved = parse(id, stored);
        return new MethodOutcome(saved.getIdElement(), created).setResource(saved);
    }

    private IBaseResource parse(String id, GraphReader.StoredResource stored) {
        return HistoryBundle.resource(fhir, typeName, id, stored.json(), stored.versionId(), stored.lastUpdated(), stored.deleted());
    }

    private static ResourceGoneException gone(IdType id) {
        return new ResourceGoneException(id);
    }

    private static PreconditionFailedException preconditionFailed(String why) {
        return new PreconditionFailedException("If-Match does not name the current version: " + why);
    }

    private static ResourceNotFoundException notFound(IdType id) {
        return new ResourceNotFoundException(id);
    }
}
