package org.caregraph.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.GraphWriter;
import org.caregraph.graph.InvalidResourceException;
import org.caregraph.graph.ResourceMapper;
import org.caregraph.graph.ResourceRecord;
import org.caregraph.nlp.NoteRerun;
import org.caregraph.security.Access;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * The write side every FHIR interaction shares (create, update, patch, delete, transaction and batch entries): a
 * resource becomes its {@link ResourceRecord} through the import's {@link ResourceMapper}, and changes are committed
 * through {@link GraphWriter#transaction} — one database transaction per interaction or per FHIR transaction — after
 * which the encounter chains are relinked and the notes written are brought up to the lexicon their write's concepts
 * give ({@link NoteRerun#catchUp(org.caregraph.security.AccessContext, List)}).
 */
final class ResourceWrites {
    private final FhirContext fhir;
    private final ResourceMapper mapper;
    private final GraphWriter writer;
    private final NoteRerun notes;

    ResourceWrites(FhirContext fhir, ResourceMapper mapper, GraphWriter writer, NoteRerun notes) {
        this.fhir = fhir;
        this.mapper = mapper;
        this.writer = writer;
        this.notes = notes;
    }

    FhirContext fhir() {
        return fhir;
    }

    /** A parsed resource as the JSON tree the mapper takes. */
    ObjectNode json(IBaseResource resource) {
        return ResourceMapper.tree(fhir.newJsonParser().encodeResourceToString(resource));
    }

    /**
     * The record of {@code resource} stored under {@code id}; its meta.versionId and meta.lastUpdated are dropped (the
     * server's to assign). {@code urns} resolves a Bundle's urn:uuid: fullUrls (null outside a Bundle).
     *
     * @throws UnprocessableEntityException (422) with an OperationOutcome naming the element when it is invalid
     */
    ResourceRecord record(ObjectNode resource, String id, Function<String, String> urns) {
        resource.put("id", id);
        if (resource.get("meta") instanceof ObjectNode meta) {
            meta.remove("versionId");
            meta.remove("lastUpdated");
            if (meta.isEmpty()) resource.remove("meta");
        }
        try {
            return mapper.map(resource, urns);
        } catch (InvalidResourceException e) {
            throw unprocessable(e);
        }
    }

    /** The id in the body of {@code request} (JSON or XML), or null. */
    String bodyId(RequestDetails request) {
        EncodingEnum encoding = RestfulServerUtils.determineRequestEncodingNoDefault(request);
        if (encoding == null) return null;
        String body = new String(request.loadRequestContents(), StandardCharsets.UTF_8);
        return encoding.newParser(fhir).parseResource(body).getIdElement().getIdPart();
    }

    /**
     * A FHIRPath Patch (a Parameters resource of operations, fhirpatch.html) applied to {@code json} with HAPI's
     * FhirPatch; a patch that does not apply is 422.
     */
    ObjectNode fhirPathPatch(String type, String json, String patch, boolean xml) {
        IBaseResource target = fhir.newJsonParser().parseResource(json);
        IBaseResource parameters;
        try {
            parameters = (xml ? fhir.newXmlParser() : fhir.newJsonParser()).parseResource(patch);
        } catch (ca.uhn.fhir.parser.DataFormatException e) {
            throw new ca.uhn.fhir.rest.server.exceptions.InvalidRequestException("not a FHIRPath Patch: " + e.getMessage());
        }
        if (!(parameters instanceof org.hl7.fhir.r4.model.Parameters)) {
            throw new ca.uhn.fhir.rest.server.exceptions.InvalidRequestException("a FHIRPath Patch is a Parameters resource");
        }
        try {
            new ca.uhn.fhir.jpa.patch.FhirPatch(fhir).apply(target, parameters);
        } catch (RuntimeException e) {
            // whatever FhirPatch throws (a bad path, an operation that does not fit the resource) means it does not apply
            OperationOutcome outcome = new OperationOutcome();
            outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(OperationOutcome.IssueType.PROCESSING)
                    .setDiagnostics("the FHIRPath Patch does not apply to " + type + ": " + e.getMessage());
            throw new UnprocessableEntityException(fhir, outcome);
        }
        return json(target);
    }

    UnprocessableEntityException unprocessable(InvalidResourceException e) {
        OperationOutcome outcome = new OperationOutcome();
        var issue = outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(OperationOutcome.IssueType.fromCode(e.code())).setDiagnostics(e.getMessage());
        if (e.expression() != null) issue.addExpression(e.expression());
        return new UnprocessableEntityException(fhir, outcome);
    }

    /**
     * Commits {@code ops} as one transaction, then {@link #afterWrites}.
     *
     * @return the version each key is at afterwards
     * @throws PreconditionFailedException (412) when an If-Match version is not the current one; nothing is written
     */
    Map<String, GraphWriter.Stored> commit(List<GraphWriter.Op> ops) {
        Map<String, GraphWriter.Stored> stored = commitUnlinked(ops);
        afterWrites(ops);
        return stored;
    }

    /** {@link #commit} without {@link #afterWrites}: a batch commits entry by entry and ends once. */
    Map<String, GraphWriter.Stored> commitUnlinked(List<GraphWriter.Op> ops) {
        try {
            return writer.transaction(Access.current(), ops);
        } catch (GraphWriter.VersionConflictException e) {
            throw preconditionFailed(e.getMessage());
        }
    }

    /** {@link GraphWriter#exclusively}: a conditional interaction's matches and its writes with no write between them. */
    <T> T exclusively(java.util.function.Supplier<T> work) {
        return writer.exclusively(work);
    }

    /** After committed {@code ops}: the encounter chains relinked, the notes among them analyzed again if the lexicon moved. */
    void afterWrites(List<GraphWriter.Op> ops) {
        writer.linkJourneys(Access.current());
        notes.catchUp(Access.current(), ops.stream().map(GraphWriter.Op::record).filter(r -> r != null).toList());
    }

    /**
     * The version an If-Match ETag ({@code W/"3"}, {@code "3"} or {@code 3}) names; null without one.
     *
     * @throws PreconditionFailedException when it names none
     */
    static Long ifMatch(String etag) {
        if (etag == null || etag.isBlank()) return null;
        String v = etag.strip();
        if (v.startsWith("W/")) v = v.substring(2);
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) v = v.substring(1, v.length() - 1);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw preconditionFailed(etag);
        }
    }

    static PreconditionFailedException preconditionFailed(String why) {
        return new PreconditionFailedException("If-Match does not name the current version: " + why);
    }

    /** A stored version as a resource, with the server's id, version and time in meta. */
    IBaseResource resource(String type, String id, GraphReader.StoredResource stored) {
        return HistoryBundle.resource(fhir, type, id, stored.json(), stored.versionId(), stored.lastUpdated(), stored.deleted());
    }
}
