package org.caregraph.fhir.export;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeChildChoiceDefinition;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import ca.uhn.fhir.rest.api.Constants;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Bulk Data {@code _elements} parameter applied to the stored JSON: a resource keeps {@code resourceType},
 * {@code id}, {@code meta}, its mandatory elements (minimum cardinality 1 in the R4 definition) and the requested root
 * elements ({@code Type.element} for one type, {@code element} for every type that has it), everything else is left
 * out and {@code meta.tag} gets SUBSETTED so the partial resource is never taken for the whole. Works on the JSON
 * tree (no HAPI model round trip): a choice element matches its typed JSON names ({@code value} keeps
 * {@code valueQuantity}), a primitive its {@code _element} extension sibling.
 */
final class ExportElements {
    private static final Set<String> ALWAYS = Set.of("resourceType", "id", "meta");

    private final FhirContext fhir;
    /** type → the requested elements of that type; "*" → those requested for every type */
    private final Map<String, Set<String>> requested;
    private final Map<String, Set<String>> kept = new ConcurrentHashMap<>();
    private final Map<String, Map<String, String>> jsonNames = new ConcurrentHashMap<>();

    private ExportElements(FhirContext fhir, Map<String, Set<String>> requested) {
        this.fhir = fhir;
        this.requested = requested;
    }

    /**
     * The filter for {@code elements} (each {@code Type.element} or {@code element}, checked at kick-off by
     * {@link #problem}); null when none is requested.
     */
    static ExportElements of(FhirContext fhir, List<String> elements) {
        if (elements == null || elements.isEmpty()) return null;
        Map<String, Set<String>> requested = new HashMap<>();
        for (String e : elements) {
            int dot = e.indexOf('.');
            requested.computeIfAbsent(dot < 0 ? "*" : e.substring(0, dot), k -> new HashSet<>()).add(e.substring(dot + 1));
        }
        return new ExportElements(fhir, requested);
    }

    /** Why {@code element} cannot be honoured (unknown type or element, not a root element); null when it can. */
    static String problem(FhirContext fhir, String element) {
        String[] parts = element.split("\\.", -1);
        if (parts.length > 2 || parts[parts.length - 1].isEmpty()) {
            return "_elements: '" + element + "' is not a root element ([type].[element] or [element])";
        }
        if (parts.length == 2) {
            if (!fhir.getResourceTypes().contains(parts[0])) {
                return "_elements: '" + parts[0] + "' is not a FHIR R4 resource type";
            }
            return elementNames(fhir.getResourceDefinition(parts[0])).contains(parts[1]) ? null
                    : "_elements: " + parts[0] + " has no element '" + parts[1] + "'";
        }
        for (String type : fhir.getResourceTypes()) {
            if (elementNames(fhir.getResourceDefinition(type)).contains(parts[0])) return null;
        }
        return "_elements: no resource type has an element '" + parts[0] + "'";
    }

    private static Set<String> elementNames(RuntimeResourceDefinition def) {
        Set<String> names = new HashSet<>();
        for (BaseRuntimeChildDefinition child : def.getChildren()) names.add(child.getElementName());
        return names;
    }

    /** Leaves out what {@code resource} (of {@code type}) does not keep, and tags it SUBSETTED. */
    void apply(String type, ObjectNode resource) {
        Set<String> keep = kept.computeIfAbsent(type, this::keptOf);
        Map<String, String> names = jsonNames.computeIfAbsent(type, this::jsonNamesOf);
        for (Iterator<String> it = resource.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            String plain = field.startsWith("_") ? field.substring(1) : field;
            if (!keep.contains(names.getOrDefault(plain, plain))) it.remove();
        }
        ObjectNode meta = resource.get("meta") instanceof ObjectNode m ? m : resource.putObject("meta");
        ArrayNode tags = meta.get("tag") instanceof ArrayNode t ? t : meta.putArray("tag");
        for (JsonNode tag : tags) {
            if (Constants.TAG_SUBSETTED_SYSTEM_R4.equals(tag.path("system").asText())
                    && Constants.TAG_SUBSETTED_CODE.equals(tag.path("code").asText())) return;
        }
        tags.addObject().put("system", Constants.TAG_SUBSETTED_SYSTEM_R4).put("code", Constants.TAG_SUBSETTED_CODE)
                .put("display", "subsetted");
    }

    private Set<String> keptOf(String type) {
        Set<String> keep = new HashSet<>(ALWAYS);
        if (fhir.getResourceTypes().contains(type)) {
            for (BaseRuntimeChildDefinition child : fhir.getResourceDefinition(type).getChildren()) {
                if (child.getMin() > 0) keep.add(child.getElementName());
            }
        }
        keep.addAll(requested.getOrDefault(type, Set.of()));
        keep.addAll(requested.getOrDefault("*", Set.of()));
        return keep;
    }

    /** A choice element's JSON names ({@code valueQuantity}) → its element name ({@code value}). */
    private Map<String, String> jsonNamesOf(String type) {
        Map<String, String> names = new HashMap<>();
        if (!fhir.getResourceTypes().contains(type)) return names;
        for (BaseRuntimeChildDefinition child : fhir.getResourceDefinition(type).getChildren()) {
            if (child instanceof RuntimeChildChoiceDefinition choice) {
                for (String name : choice.getValidChildNames()) names.put(name, child.getElementName());
            }
        }
        return names;
    }
}
