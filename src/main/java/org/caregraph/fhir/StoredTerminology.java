package org.caregraph.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.caregraph.graph.GraphReader;
import org.caregraph.security.AccessContext;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.ValueSet;
import org.springframework.stereotype.Component;

/**
 * Terminology on what the server stores: ValueSets and CodeSystems written to it (found by canonical url), and the
 * Concept nodes of the graph with their IS_A hierarchy (loaded terminologies, {@code caregraph terminology load}).
 * Expansion follows ValueSet.compose (concepts, whole systems, {@code is-a}/{@code descendent-of} filters, included
 * ValueSets, excludes) or a stored expansion. Serves the token modifiers {@code :in}, {@code :not-in}, {@code :below},
 * {@code :above} and the operations {@code $expand}, {@code $validate-code}, {@code $lookup}, {@code $subsumes}.
 */
@Component
public class StoredTerminology {
    /** An expansion, a whole system or a hierarchy walk may reach at most this many codes. */
    public static final int MAX_CODES = 10_000;
    private static final int MAX_DEPTH = 8;

    private final FhirContext fhir;
    private final GraphReader reader;

    public StoredTerminology(FhirContext fhir, GraphReader reader) {
        this.fhir = fhir;
        this.reader = reader;
    }

    /** The stored {@code type} (ValueSet, CodeSystem...) with canonical {@code url} ({@code url|version} names a version). */
    public <T extends Resource> Optional<T> stored(AccessContext access, Class<T> type, String url) {
        String plain = url;
        String version = null;
        int bar = url.lastIndexOf('|');
        if (bar > 0) {
            plain = url.substring(0, bar);
            version = url.substring(bar + 1);
        }
        Map<String, Object> p = new HashMap<>();
        p.put("type", type.getSimpleName());
        p.put("url", plain);
        p.put("version", version);
        return reader.list(access, "terminology/stored-by-url", p, r -> type.cast(fhir.newJsonParser()
                .parseResource(r.get("json").asString()))).stream().findFirst();
    }

    /** The 'system|code' keys of the stored ValueSet {@code url}'s expansion; null when no such ValueSet is stored. */
    public List<String> codes(AccessContext access, String url) {
        return stored(access, ValueSet.class, url).map(vs -> expand(access, vs).stream()
                .map(c -> c.getSystem() + "|" + c.getCode()).toList()).orElse(null);
    }

    /** The codes of a ValueSet: its stored expansion, else its compose. */
    public List<Coding> expand(AccessContext access, ValueSet vs) {
        return expand(access, vs, 0);
    }

    private List<Coding> expand(AccessContext access, ValueSet vs, int depth) {
        if (depth > MAX_DEPTH) throw new InvalidRequestException("ValueSet " + vs.getUrl() + " includes ValueSets too deeply (or in a cycle)");
        Map<String, Coding> out = new LinkedHashMap<>();
        if (vs.hasExpansion() && vs.getExpansion().hasContains()) {
            contains(vs.getExpansion().getContains(), out);
        } else {
            for (ValueSet.ConceptSetComponent include : vs.getCompose().getInclude()) {
                include(access, include, depth).forEach(c -> out.putIfAbsent(c.getSystem() + "|" + c.getCode(), c));
            }
            for (ValueSet.ConceptSetComponent exclude : vs.getCompose().getExclude()) {
                include(access, exclude, depth).forEach(c -> out.remove(c.getSystem() + "|" + c.getCode()));
            }
        }
        if (out.size() > MAX_CODES) throw new InvalidRequestException("ValueSet " + vs.getUrl() + " has more than " + MAX_CODES + " codes");
        return List.copyOf(out.values());
    }

    private static void contains(List<ValueSet.ValueSetExpansionContainsComponent> contains, Map<String, Coding> out) {
        for (ValueSet.ValueSetExpansionContainsComponent c : contains) {
            if (c.hasCode() && !c.getAbstract()) out.putIfAbsent(c.getSystem() + "|" + c.getCode(), new Coding(c.getSystem(), c.getCode(), c.getDisplay()));
            contains(c.getContains(), out);
        }
    }

    /** The codes one include (or exclude) of a compose names. */
    private List<Coding> include(AccessContext access, ValueSet.ConceptSetComponent set, int depth) {
        List<Coding> out = null;
        if (set.hasSystem()) {
            String system = set.getSystem();
            if (set.hasConcept()) {
                out = new ArrayList<>();
                for (ValueSet.ConceptReferenceComponent c : set.getConcept()) {
                    out.add(new Coding(system, c.getCode(), c.hasDisplay() ? c.getDisplay() : display(access, system, c.getCode())));
                }
            } else {
                out = systemCodes(access, system);
            }
            for (ValueSet.ConceptSetFilterComponent f : set.getFilter()) out = retain(out, filter(access, system, f));
        }
        for (var included : set.getValueSet()) {
            ValueSet other = stored(access, ValueSet.class, included.getValue()).orElseThrow(() -> new InvalidRequestException(
                    "ValueSet " + included.getValue() + " (included) is not stored on this server"));
            List<Coding> codes = expand(access, other, depth + 1);
            out = out == null ? codes : retain(out, codes);
        }
        return out == null ? List.of() : out;
    }

    private static List<Coding> retain(List<Coding> codes, List<Coding> allowed) {
        var keys = allowed.stream().map(c -> c.getSystem() + "|" + c.getCode()).collect(java.util.stream.Collectors.toSet());
        return codes.stream().filter(c -> keys.contains(c.getSystem() + "|" + c.getCode())).toList();
    }

    /** {@code concept is-a X}, {@code descendent-of X}, {@code concept = X}, {@code concept in a,b} over the hierarchy. */
    private List<Coding> filter(AccessContext access, String system, ValueSet.ConceptSetFilterComponent f) {
        String op = f.getOp() == null ? "" : f.getOp().toCode();
        if (!"concept".equals(f.getProperty()) && !"code".equals(f.getProperty())) {
            throw new InvalidRequestException("ValueSet filter on property '" + f.getProperty() + "' is not supported (only concept)");
        }
        List<String> codes = switch (op) {
            case "is-a", "descendent-of", "is-not-a" -> {
                List<String> below = hierarchy(access, List.of(system + "|" + f.getValue()), true).stream()
                        .map(k -> k.substring(system.length() + 1)).toList();
                yield op.equals("descendent-of") ? below.stream().filter(c -> !c.equals(f.getValue())).toList() : below;
            }
            case "=" -> List.of(f.getValue());
            case "in" -> List.of(f.getValue().split(","));
            default -> throw new InvalidRequestException("ValueSet filter op '" + op + "' is not supported (is-a, descendent-of, =, in)");
        };
        if (op.equals("is-not-a")) {
            var excluded = new java.util.HashSet<>(codes);
            return systemCodes(access, system).stream().filter(c -> !excluded.contains(c.getCode())).toList();
        }
        return concepts(access, system, codes);
    }

    /** Every code of a system: a stored CodeSystem's concepts, else the system's Concept nodes in the graph. */
    public List<Coding> systemCodes(AccessContext access, String system) {
        Optional<CodeSystem> cs = stored(access, CodeSystem.class, system);
        if (cs.isPresent() && cs.get().hasConcept()) {
            List<Coding> out = new ArrayList<>();
            flatten(system, cs.get().getConcept(), out);
            return out;
        }
        List<Coding> out = concepts(access, system, null);
        if (out.size() > MAX_CODES) throw new InvalidRequestException("code system " + system + " has more than " + MAX_CODES + " codes: filter it");
        return out;
    }

    private static void flatten(String system, List<CodeSystem.ConceptDefinitionComponent> concepts, List<Coding> out) {
        for (CodeSystem.ConceptDefinitionComponent c : concepts) {
            out.add(new Coding(system, c.getCode(), c.getDisplay()));
            flatten(system, c.getConcept(), out);
        }
    }

    private List<Coding> concepts(AccessContext access, String system, List<String> codes) {
        Map<String, Object> p = new HashMap<>();
        p.put("system", system);
        p.put("codes", codes);
        p.put("limit", MAX_CODES + 1);
        List<Coding> out = reader.list(access, "terminology/system-concepts", p,
                r -> new Coding(system, r.get("code").asString(), r.get("display").isNull() ? null : r.get("display").asString()));
        if (codes == null) return out;
        // codes the graph does not know are still codes of the filter
        var known = out.stream().map(Coding::getCode).collect(java.util.stream.Collectors.toSet());
        List<Coding> all = new ArrayList<>(out);
        codes.stream().filter(c -> !known.contains(c)).forEach(c -> all.add(new Coding(system, c, null)));
        return all;
    }

    /** The display of a code: a stored CodeSystem's, else its Concept node's; null when neither knows the code. */
    public String display(AccessContext access, String system, String code) {
        return lookup(access, system, code).map(Coding::getDisplay).orElse(null);
    }

    /** A code as the server knows it (stored CodeSystem, else Concept node); empty when unknown. */
    public Optional<Coding> lookup(AccessContext access, String system, String code) {
        Optional<CodeSystem> cs = stored(access, CodeSystem.class, system);
        if (cs.isPresent() && cs.get().hasConcept()) {
            List<Coding> all = new ArrayList<>();
            flatten(system, cs.get().getConcept(), all);
            return all.stream().filter(c -> c.getCode().equals(code)).findFirst();
        }
        Map<String, Object> p = new HashMap<>();
        p.put("system", system);
        p.put("codes", List.of(code));
        p.put("limit", 1);
        return reader.list(access, "terminology/system-concepts", p, r -> new Coding(system, r.get("code").asString(),
                r.get("display").isNull() ? null : r.get("display").asString())).stream().findFirst();
    }

    /** The Concept keys below (or above) {@code keys} in the loaded hierarchies and stored CodeSystems, themselves included. */
    public List<String> hierarchy(AccessContext access, List<String> keys, boolean below) {
        Map<String, Object> p = new HashMap<>();
        p.put("keys", keys);
        p.put("below", below);
        p.put("limit", MAX_CODES + 1);
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>(keys);
        out.addAll(reader.list(access, "search/concept-hierarchy", p, r -> r.get("key").asString()));
        for (String key : keys) {
            int bar = key.indexOf('|');
            String system = key.substring(0, bar);
            stored(access, CodeSystem.class, system).ifPresent(cs -> storedHierarchy(system, cs.getConcept(), key.substring(bar + 1), below, new ArrayList<>(), out));
        }
        if (out.size() > MAX_CODES) throw new InvalidRequestException("the hierarchy " + (below ? "below " : "above ") + keys + " has more than " + MAX_CODES + " codes");
        return List.copyOf(out);
    }

    /** Walks a stored CodeSystem's nested concepts: below a code, its descendants; above it, its ancestors. */
    private static boolean storedHierarchy(String system, List<CodeSystem.ConceptDefinitionComponent> concepts, String code,
                                           boolean below, List<String> ancestors, java.util.Set<String> out) {
        for (CodeSystem.ConceptDefinitionComponent c : concepts) {
            if (c.getCode().equals(code)) {
                if (below) {
                    List<Coding> descendants = new ArrayList<>();
                    flatten(system, c.getConcept(), descendants);
                    descendants.forEach(d -> out.add(system + "|" + d.getCode()));
                } else {
                    ancestors.forEach(a -> out.add(system + "|" + a));
                }
                return true;
            }
            ancestors.add(c.getCode());
            boolean found = storedHierarchy(system, c.getConcept(), code, below, ancestors, out);
            ancestors.removeLast();
            if (found) return true;
        }
        return false;
    }

    /** $subsumes: equivalent, subsumes (a is an ancestor of b), subsumed-by, or not-subsumed. */
    public String subsumes(AccessContext access, String system, String a, String b) {
        if (a.equals(b)) return "equivalent";
        if (hierarchy(access, List.of(system + "|" + a), true).contains(system + "|" + b)) return "subsumes";
        if (hierarchy(access, List.of(system + "|" + b), true).contains(system + "|" + a)) return "subsumed-by";
        return "not-subsumed";
    }
}
