package org.caregraph.fhir;

import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.flipkart.zjsonpatch.InvalidJsonPatchException;
import com.flipkart.zjsonpatch.JsonPatch;
import com.flipkart.zjsonpatch.JsonPatchApplicationException;
import java.util.Objects;
import org.caregraph.graph.InvalidResourceException;

/**
 * FHIR PATCH with an RFC 6902 JSON Patch document (zjsonpatch), applied to the stored JSON of a resource. A document
 * that is not a JSON Patch is the client's error (400); a patch that cannot be applied to this resource — a failed
 * {@code test}, a path that is not there — is 422 (the request is well-formed but the resource's state does not allow
 * it; FHIR uses 422 for a change it cannot process), as is one that changes the resource's type or id. Whether the
 * result is a valid resource is the mapper's to say, as for any write.
 */
final class JsonPatcher {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonPatcher() {
    }

    /** {@code resource} patched (a copy; {@code resource} is left as it was). */
    static ObjectNode apply(ObjectNode resource, String patchText) {
        JsonNode patch;
        try {
            patch = JSON.readTree(patchText == null ? "" : patchText);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("the JSON Patch document is not JSON: " + e.getOriginalMessage());
        }
        try {
            JsonPatch.validate(patch);
        } catch (InvalidJsonPatchException e) {
            throw new InvalidRequestException("invalid JSON Patch document: " + e.getMessage());
        }
        JsonNode out;
        try {
            out = JsonPatch.apply(patch, resource);
        } catch (JsonPatchApplicationException e) {
            throw new InvalidResourceException("processing", "the JSON Patch cannot be applied: " + e.getMessage(), null);
        }
        String type = resource.path("resourceType").asText();
        if (!(out instanceof ObjectNode patched) || !type.equals(patched.path("resourceType").asText())
                || !Objects.equals(resource.get("id"), patched.get("id"))) {
            throw new InvalidResourceException("invariant", "a patch may not change the resource's type or id", type);
        }
        return patched;
    }
}
