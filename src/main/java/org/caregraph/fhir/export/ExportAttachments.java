package org.caregraph.fhir.export;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Attachment;

/**
 * Attachments in exported resources, as the Bulk Data IG asks: an {@code Attachment.url} SHALL be an absolute URL the
 * client can dereference with its token. A stored attachment that points at a resource of this server relatively
 * ({@code Binary/123}, as a DocumentReference whose content is a Binary does) is written as
 * {@code [fhir base]/Binary/123}: the server's Binary read, which answers the raw content in its content type to a
 * caller that does not ask for FHIR. Inline {@code data}, absolute URLs and {@code #contained} ones are left as they
 * are. The JSON is walked along the R4 definitions, only for types where an Attachment can occur at all (not
 * Observation, for one), extensions aside.
 */
final class ExportAttachments {
    /** A URL with a scheme (http:, urn:, data:), or a fragment reference to a contained resource. */
    private static final Pattern NOT_RELATIVE = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*:|#).*", Pattern.DOTALL);
    private static final Set<String> SKIPPED = Set.of("extension", "modifierExtension", "contained");

    private final FhirContext fhir;
    /** per definition (a resource, a backbone element, a datatype): whether an Attachment can occur inside */
    private final Map<BaseRuntimeElementDefinition<?>, Boolean> reachable = new ConcurrentHashMap<>();

    ExportAttachments(FhirContext fhir) {
        this.fhir = fhir;
    }

    /** per resource type: whether it can hold an Attachment (asked for every exported row) */
    private final Map<String, Boolean> possible = new ConcurrentHashMap<>();

    /** Whether a resource of {@code type} can hold an Attachment (outside extensions). */
    boolean possible(String type) {
        return possible.computeIfAbsent(type, t -> fhir.getResourceTypes().contains(t) && reachable(fhir.getResourceDefinition(t)));
    }

    /** Makes the relative attachment URLs of {@code resource} absolute under {@code fhirBase}. */
    void absolutize(String type, ObjectNode resource, String fhirBase) {
        if (possible(type)) walk(resource, fhir.getResourceDefinition(type), fhirBase);
    }

    private boolean reachable(BaseRuntimeElementDefinition<?> def) {
        return reachable.computeIfAbsent(def, d -> reaches(d, Collections.newSetFromMap(new IdentityHashMap<>())));
    }

    private static boolean reaches(BaseRuntimeElementDefinition<?> def, Set<BaseRuntimeElementDefinition<?>> seen) {
        if (def.getImplementingClass() == Attachment.class) return true;
        if (!(def instanceof BaseRuntimeElementCompositeDefinition<?> composite) || !seen.add(def)) return false;
        for (BaseRuntimeChildDefinition child : composite.getChildren()) {
            if (SKIPPED.contains(child.getElementName())) continue;
            for (String name : child.getValidChildNames()) {
                BaseRuntimeElementDefinition<?> target = child.getChildByName(name);
                if (target != null && reaches(target, seen)) return true;
            }
        }
        return false;
    }

    private void walk(JsonNode node, BaseRuntimeElementDefinition<?> def, String fhirBase) {
        if (node.isArray()) {
            for (JsonNode item : node) walk(item, def, fhirBase);
            return;
        }
        if (!(node instanceof ObjectNode object)) return;
        if (def.getImplementingClass() == Attachment.class) {
            JsonNode url = object.get("url");
            if (url != null && url.isTextual() && !url.asText().isEmpty() && !NOT_RELATIVE.matcher(url.asText()).matches()) {
                object.put("url", fhirBase + "/" + url.asText().replaceFirst("^/+", ""));
            }
            return;
        }
        if (!(def instanceof BaseRuntimeElementCompositeDefinition<?> composite)) return;
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (SKIPPED.contains(field.getKey()) || field.getKey().startsWith("_")) continue;
            BaseRuntimeChildDefinition child = composite.getChildByName(field.getKey());
            BaseRuntimeElementDefinition<?> target = child == null ? null : child.getChildByName(field.getKey());
            if (target != null && reachable(target)) walk(field.getValue(), target, fhirBase);
        }
    }
}
