package org.caregraph.graph;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeChildChoiceDefinition;
import ca.uhn.fhir.context.RuntimeChildResourceDefinition;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.util.FhirTerser;
import ca.uhn.fhir.util.IModelVisitor2;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.caregraph.search.SearchIndexer;
import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.instance.model.api.IBaseExtension;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * FHIR R4 resource (any type) → {@link ResourceRecord}: validates the structure with HAPI's strict parser, resolves
 * bundle-local references, and derives the graph's relationships (one per Reference element, typed by the element's
 * name), Concepts (one per Coding) and identifiers from HAPI's element definitions rather than a hand-picked list,
 * and the values of every standard search parameter of its type ({@link SearchIndexer}).
 * Thread-safe; HAPI parsers are not, so each call makes its own.
 */
@Component
public class ResourceMapper {
    private static final ObjectMapper TREES = new ObjectMapper();
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");
    /** Element names that say little about the relationship; the enclosing element names it instead. */
    private static final Set<String> GENERIC = Set.of("individual", "member", "who", "actor", "reference", "item", "party");
    /** Where a resource keeps its clinically relevant time, first match wins. */
    private static final List<String[]> TIME_PATHS = List.of(
            new String[] {"period", "start"}, new String[] {"effectiveDateTime"}, new String[] {"effectivePeriod", "start"},
            new String[] {"effectiveInstant"}, new String[] {"onsetDateTime"}, new String[] {"onsetPeriod", "start"},
            new String[] {"performedDateTime"}, new String[] {"performedPeriod", "start"}, new String[] {"occurrenceDateTime"},
            new String[] {"occurrencePeriod", "start"}, new String[] {"authoredOn"}, new String[] {"recordedDate"},
            new String[] {"started"}, new String[] {"issued"}, new String[] {"date"}, new String[] {"created"},
            new String[] {"billablePeriod", "start"}, new String[] {"recorded"}, new String[] {"birthDate"});

    private final FhirContext fhir;
    private final ObjectMapper json = new ObjectMapper();
    private final Set<String> resourceTypes;
    private final SearchIndexer search;
    private final Supplier<RecordEnricher> enricher;
    private final List<ResourceValidator> validators;

    @Autowired
    public ResourceMapper(FhirContext fhir, SearchIndexer search, ObjectProvider<RecordEnricher> enricher,
                          List<ResourceValidator> validators) {
        this(fhir, search, (Supplier<RecordEnricher>) enricher::getIfAvailable, validators);
    }

    /** A mapper that derives the graph only, without search values, enrichment (NLP) or rules: for plain-Java tools. */
    public ResourceMapper(FhirContext fhir) {
        this(fhir, null, (Supplier<RecordEnricher>) () -> null, List.of());
    }

    private ResourceMapper(FhirContext fhir, SearchIndexer search, Supplier<RecordEnricher> enricher,
                           List<ResourceValidator> validators) {
        this.fhir = fhir;
        this.search = search;
        this.resourceTypes = Set.copyOf(fhir.getResourceTypes());
        this.enricher = enricher;
        this.validators = List.copyOf(validators);
    }

    /**
     * A resource's JSON text — stored by this mapper, or already parsed by HAPI — as the tree {@link #map} takes.
     *
     * @throws IllegalStateException when it does not parse (a stored resource that does not is a broken store)
     */
    public static ObjectNode tree(String json) {
        try {
            return (ObjectNode) TREES.readTree(json);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalStateException("resource JSON does not parse as an object", e);
        }
    }

    /**
     * @param resource   the resource as parsed JSON; bundle-local references in it are rewritten in place
     * @param urnLookup  resolves {@code urn:uuid:}/{@code urn:oid:} fullUrls of the enclosing Bundle to {@code Type/id}
     *                   (returns null when unknown); outside a Bundle nothing resolves
     */
    public ResourceRecord map(ObjectNode resource, Function<String, String> urnLookup) {
        RecordEnricher enrich = enricher.get();
        return map(resource, urnLookup, enrich, enrich);
    }

    /**
     * A resource mapped as {@link #map} does, but with its enrichment (a note's NLP analysis) left for later: the record
     * comes back without it, and {@code later} is true when {@link #enrich} should still be applied to it. A bulk import
     * analyzes its notes once, after the concepts of everything else it imports are in the graph.
     */
    public record Deferred(ResourceRecord record, boolean later) {
    }

    public Deferred mapDeferred(ObjectNode resource, Function<String, String> urnLookup) {
        RecordEnricher enrich = enricher.get();
        ResourceRecord record = map(resource, urnLookup, enrich, null);
        return new Deferred(record, enrich != null && enrich.wants(resource, record));
    }

    /** Before enriching what {@link #mapDeferred} set aside: the enricher takes in the graph as it is now. */
    public void refreshEnrichment() {
        RecordEnricher enrich = enricher.get();
        if (enrich != null) enrich.refresh();
    }

    /** The enrichment {@link #mapDeferred} left out; its JSON is the resource as that mapping resolved it. */
    public ResourceRecord enrich(ResourceRecord record) {
        RecordEnricher enrich = enricher.get();
        return enrich == null ? record : enrich.enrich(tree(record.json()), record, this);
    }

    /**
     * A stored resource mapped again as it is, without enrichment (its NLP analysis is kept as stored): for
     * {@link GraphWriter#reindex}.
     */
    public ResourceRecord rederive(ObjectNode stored) {
        // derived as it was at its write: from the content without the server's own additions (the NLP extension),
        // which stay in the stored JSON
        ObjectNode content = stored.deepCopy();
        RecordEnricher enrich = enricher.get();
        if (enrich != null) enrich.strip(content);
        ResourceRecord record = map(content, null, null, null);
        String json;
        try {
            json = this.json.writeValueAsString(stored);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return record.json().equals(json) ? record : record.withAnalysis(json, null);
    }

    /** @param strip removes the server's additions first; @param enrich adds them (null: not now) */
    private ResourceRecord map(ObjectNode resource, Function<String, String> urnLookup, RecordEnricher strip,
                               RecordEnricher enrich) {
        String type = text(resource, "resourceType");
        if (type == null) throw new InvalidResourceException("required", "resource has no resourceType", null);
        if (!resourceTypes.contains(type)) {
            throw new InvalidResourceException("not-supported", "unknown resource type '" + type + "' (not FHIR R4)", null);
        }
        String id = text(resource, "id");
        if (id == null) throw new InvalidResourceException("required", type + " has no id", type + ".id");
        if (!ID.matcher(id).matches()) {
            throw new InvalidResourceException("invalid", "invalid id '" + id + "' (FHIR ids are [A-Za-z0-9-.]{1,64})", type + ".id");
        }
        if (strip != null) strip.strip(resource);
        rewriteUrnReferences(resource, type, urnLookup);
        String text;
        try {
            text = json.writeValueAsString(resource);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        IBaseResource parsed;
        try {
            IParser parser = fhir.newJsonParser().setParserErrorHandler(new LocatingErrorHandler());
            parsed = parser.parseResource(text);
        } catch (DataFormatException e) {
            throw new InvalidResourceException("structure", e.getMessage(), type);
        }
        for (ResourceValidator v : validators) v.validate(type, resource);
        Derived derived = new Derived(type);
        fhir.newTerser().visit(parsed, derived);
        List<ResourceRecord.Code> codes = List.copyOf(derived.codes.values());
        List<ResourceRecord.Ref> refs = List.copyOf(derived.refs.values());
        Map<String, Object> facts = facts(resource, codes);
        // the encounter an event belongs to, for journeys: the first literal reference named ENCOUNTER
        refs.stream().filter(r -> r.rel().equals("ENCOUNTER") && "Encounter".equals(r.type()) && r.ident() == null)
                .findFirst().ifPresent(r -> facts.put("encounter", r.key()));
        String hash = hash(text);
        ResourceRecord record = new ResourceRecord(type + "/" + id, type, id, text, hash, hash, time(resource), derived.patient,
                refs, codes, identifiers(resource, type), facts, search == null ? Map.of() : search.values(parsed), null);
        return enrich == null ? record : enrich.enrich(resource, record, this);
    }

    private static void rewriteUrnReferences(JsonNode node, String path, Function<String, String> urnLookup) {
        if (node instanceof ObjectNode obj) {
            JsonNode ref = obj.get("reference");
            if (ref != null && ref.isTextual() && ref.asText().startsWith("urn:")) {
                String target = urnLookup == null ? null : urnLookup.apply(ref.asText());
                if (target == null) {
                    throw new InvalidResourceException("not-found", "reference '" + ref.asText()
                            + "' does not resolve to an entry of this Bundle", path + ".reference");
                }
                obj.set("reference", TextNode.valueOf(target));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getValue().isContainerNode()) rewriteUrnReferences(f.getValue(), path + "." + f.getKey(), urnLookup);
            }
        } else if (node.isArray()) {
            for (JsonNode item : node) rewriteUrnReferences(item, path, urnLookup);
        }
    }

    /** Walks the parsed resource with HAPI's element definitions, collecting references and codings. */
    private final class Derived implements IModelVisitor2 {
        final String type;
        final Map<String, ResourceRecord.Ref> refs = new LinkedHashMap<>();
        final Map<String, ResourceRecord.Code> codes = new LinkedHashMap<>();
        String patient;

        Derived(String type) {
            this.type = type;
        }

        @Override
        public boolean acceptElement(IBase element, List<IBase> containing, List<BaseRuntimeChildDefinition> children,
                                     List<BaseRuntimeElementDefinition<?>> definitions) {
            if (element instanceof Reference ref) addReference(ref, names(children), children.getLast());
            else if (element instanceof Coding coding) addCoding(coding, names(children));
            return true;
        }

        @Override
        public boolean acceptUndeclaredExtension(IBaseExtension<?, ?> ext, List<IBase> containing,
                                                 List<BaseRuntimeChildDefinition> children,
                                                 List<BaseRuntimeElementDefinition<?>> definitions) {
            return true;
        }

        private void addReference(Reference ref, List<String> names, BaseRuntimeChildDefinition child) {
            String value = ref.getReference();
            String path = type + "." + String.join(".", names);
            if ((value == null || value.isBlank()) && ref.hasIdentifier() && ref.getIdentifier().hasValue()) {
                // a logical reference (by identifier only) is resolved like Type?identifier=system|value
                String target = ref.hasType() ? ref.getType() : singleTargetType(child);
                if (target == null) return;
                value = target + "?identifier=" + ref.getIdentifier().getSystem() + "|" + ref.getIdentifier().getValue();
                if (!ref.getIdentifier().hasSystem()) value = target + "?identifier=" + ref.getIdentifier().getValue();
            }
            if (value == null || value.isBlank() || value.startsWith("#")) return;
            String last = names.isEmpty() ? "reference" : names.get(names.size() - 1);
            if (GENERIC.contains(last) && names.size() > 1) last = names.get(names.size() - 2);
            String rel = relName(last);
            ResourceRecord.Ref out;
            int q = value.indexOf('?');
            if (q > 0) {
                out = conditional(value, q, rel, path);
            } else {
                IdType target = new IdType(value);
                String targetType = target.getResourceType();
                if (targetType == null || !target.hasIdPart() || !resourceTypes.contains(targetType)) {
                    throw new InvalidResourceException("invalid", "reference '" + value + "' does not name a FHIR R4 resource", path);
                }
                out = new ResourceRecord.Ref(rel, path, targetType + "/" + target.getIdPart(), targetType, target.getIdPart(), null);
            }
            refs.putIfAbsent(out.rel() + " " + out.path() + " " + out.key(), out);
            if (patient == null && "Patient".equals(out.type()) && out.ident() == null
                    && (path.equals(type + ".subject") || path.equals(type + ".patient"))) {
                patient = out.key();
            }
        }

        private ResourceRecord.Ref conditional(String value, int q, String rel, String path) {
            String targetType = value.substring(0, q);
            String query = value.substring(q + 1);
            if (!resourceTypes.contains(targetType) || !query.startsWith("identifier=") || query.contains("&")) {
                throw new InvalidResourceException("not-supported", "conditional reference '" + value
                        + "': only Type?identifier=system|value is resolved at import", path);
            }
            String token = URLDecoder.decode(query.substring("identifier=".length()), StandardCharsets.UTF_8);
            String ident = targetType + "|" + (token.contains("|") ? token : "|" + token);
            return new ResourceRecord.Ref(rel, path, targetType + "?identifier=" + token, targetType, null, ident);
        }

        private void addCoding(Coding coding, List<String> names) {
            if (!coding.hasSystem() || !coding.hasCode()) return;
            List<String> at = !names.isEmpty() && names.get(names.size() - 1).equals("coding") ? names.subList(0, names.size() - 1) : names;
            String path = type + (at.isEmpty() ? "" : "." + String.join(".", at));
            String key = coding.getSystem() + "|" + coding.getCode();
            codes.putIfAbsent(key + " " + path, new ResourceRecord.Code(key, coding.getSystem(), coding.getCode(),
                    coding.getDisplay(), path));
        }
    }

    /** The one resource type a Reference element may point to (PractitionerRole.practitioner → Practitioner), or null. */
    private String singleTargetType(BaseRuntimeChildDefinition child) {
        if (!(child instanceof RuntimeChildResourceDefinition def) || def.getResourceTypes().size() != 1) return null;
        String name = def.getResourceTypes().getFirst().getSimpleName();
        return resourceTypes.contains(name) ? name : null;
    }

    private static List<String> names(List<BaseRuntimeChildDefinition> children) {
        List<String> names = new ArrayList<>(children.size());
        for (BaseRuntimeChildDefinition child : children) {
            String name = child.getElementName();
            if (child instanceof RuntimeChildChoiceDefinition) name = name.replace("[x]", "");
            names.add(name);
        }
        return names;
    }

    /** serviceProvider → SERVICE_PROVIDER */
    static String relName(String element) {
        return element.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase();
    }

    private static List<String> identifiers(ObjectNode resource, String type) {
        JsonNode ids = resource.get("identifier");
        if (ids == null) return List.of();
        List<String> out = new ArrayList<>();
        for (JsonNode i : ids.isArray() ? ids : List.of(ids)) {
            String system = text(i, "system");
            String value = text(i, "value");
            if (value != null) out.add(type + "|" + (system == null ? "" : system) + "|" + value);
        }
        return out.stream().distinct().toList();
    }

    private static String time(ObjectNode resource) {
        for (String[] path : TIME_PATHS) {
            JsonNode n = resource;
            for (String p : path) n = n == null ? null : n.get(p);
            if (n != null && n.isTextual()) return utc(n.asText());
        }
        return null;
    }

    private static final DateTimeFormatter UTC_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    /**
     * A dateTime with a time is stored in UTC with a fixed width, so that the stored times of data with mixed offsets
     * order correctly as strings (journeys, pathways, windows); a date or partial date stays as written.
     */
    public static String utc(String time) {
        if (time.indexOf('T') < 0) return time;
        try {
            return UTC_MILLIS.format(OffsetDateTime.parse(time));
        } catch (DateTimeParseException e) {
            return time;
        }
    }

    /** The scalar facts of {@link ResourceRecord#FACTS} that this resource has. */
    private static Map<String, Object> facts(ObjectNode resource, List<ResourceRecord.Code> codes) {
        Map<String, Object> facts = new HashMap<>();
        if (!codes.isEmpty()) {
            facts.put("codingPaths", codes.stream().map(ResourceRecord.Code::path).toList());
            facts.put("codingKeys", codes.stream().map(ResourceRecord.Code::key).toList());
            facts.put("codingDisplays", codes.stream().map(c -> c.display() == null ? "" : c.display()).toList());
        }
        String gender = text(resource, "gender");
        if (gender != null) facts.put("gender", gender);
        String status = text(resource, "status");
        if (status != null) facts.put("status", status);
        JsonNode period = resource.get("period");
        if (period != null && text(period, "end") != null) facts.put("end", text(period, "end"));
        List<String> keys = new ArrayList<>();
        List<Double> numbers = new ArrayList<>();
        List<String> units = new ArrayList<>();
        addValues(resource, keys, numbers, units);
        JsonNode components = resource.get("component");
        if (components != null && components.isArray()) for (JsonNode c : components) addValues(c, keys, numbers, units);
        if (!keys.isEmpty()) {
            facts.put("valueKeys", keys);
            facts.put("valueNumbers", numbers);
            facts.put("valueUnits", units);
        }
        return facts;
    }

    /** valueQuantity (or valueInteger) of an Observation or one of its components, once per coding of its code. */
    private static void addValues(JsonNode element, List<String> keys, List<Double> numbers, List<String> units) {
        JsonNode q = element.get("valueQuantity");
        JsonNode number = q != null ? q.get("value") : element.get("valueInteger");
        JsonNode code = element.get("code");
        if (number == null || !number.isNumber() || code == null || !code.path("coding").isArray()) return;
        String unit = q == null ? null : q.hasNonNull("code") ? q.get("code").asText() : text(q, "unit");
        for (JsonNode coding : code.get("coding")) {
            String system = text(coding, "system");
            String c = text(coding, "code");
            if (system == null || c == null) continue;
            keys.add(system + "|" + c);
            numbers.add(number.asDouble());
            units.add(unit == null ? "" : unit);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() && !v.asText().isBlank() ? v.asText() : null;
    }

    static String hash(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
