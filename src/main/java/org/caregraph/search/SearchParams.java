package org.caregraph.search;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementCompositeDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.context.IWorkerContext;
import org.hl7.fhir.r4.fhirpath.ExpressionNode;
import org.hl7.fhir.r4.fhirpath.FHIRPathEngine;
import org.hl7.fhir.r4.model.Base;
import org.springframework.stereotype.Component;

/**
 * The standard R4 search parameters HAPI's FhirContext carries, every one of type token, string, date, reference,
 * quantity, uri and number for every resource type, each with its FHIRPath expression compiled once. Composite and
 * special parameters are not indexed; {@code _id} and {@code _lastUpdated} are the node's own id and write time.
 */
@Component
public class SearchParams {
    /** The types indexed at write time. */
    public static final Set<RestSearchParameterTypeEnum> INDEXED = EnumSet.of(RestSearchParameterTypeEnum.TOKEN,
            RestSearchParameterTypeEnum.STRING, RestSearchParameterTypeEnum.DATE, RestSearchParameterTypeEnum.REFERENCE,
            RestSearchParameterTypeEnum.QUANTITY, RestSearchParameterTypeEnum.URI, RestSearchParameterTypeEnum.NUMBER);
    /** Node property prefix of the search values; nothing else on a node starts with it. */
    public static final String PREFIX = "sp.";
    private static final Set<String> NATIVE = Set.of("_id", "_lastUpdated");
    private static final Pattern PLAIN = Pattern.compile("[A-Z][A-Za-z]+(\\.[a-z][A-Za-z]*)+");
    private static final Pattern RESOLVE_IS = Pattern.compile("\\.where\\(resolve\\(\\) is [A-Za-z]+\\)$");
    private static final Set<String> CODED = Set.of("CodeableConcept", "Coding");

    /**
     * One indexed parameter of one resource type.
     *
     * @param paths     the plain element paths the expression selects ({@code Observation.subject} for
     *                  {@code Observation.subject.where(resolve() is Patient)}), or null when it is not a union of
     *                  plain paths; a reference parameter with paths is searched over the reference relationships
     *                  (which carry these paths), a token parameter whose paths all hold codings can start at Concepts
     * @param coded     every path holds a CodeableConcept or Coding: each value is also a CODED relationship
     * @param targets   the resource types a reference parameter may point to (empty: any)
     */
    public record Param(String resourceType, String name, RestSearchParameterTypeEnum type, String expression,
                        ExpressionNode compiled, List<String> paths, boolean coded, List<String> targets, String uri) {
        /** The node property holding the values ({@code sp.code}); sub-lists append a suffix. */
        public String property() {
            return PREFIX + name;
        }

        /** Reference parameters with plain paths are searched over relationships, the others over stored values. */
        public boolean byRelationship() {
            return type == RestSearchParameterTypeEnum.REFERENCE && paths != null;
        }
    }

    private final FhirContext fhir;
    private final Map<String, Map<String, Param>> byType = new HashMap<>();
    private final Map<String, Set<String>> composites = new HashMap<>();
    private final ThreadLocal<FHIRPathEngine> engines;

    public SearchParams(FhirContext fhir) {
        this.fhir = fhir;
        this.engines = ThreadLocal.withInitial(this::newEngine);
        FHIRPathEngine engine = newEngine();
        for (String type : fhir.getResourceTypes().stream().sorted().toList()) {
            Map<String, Param> params = new LinkedHashMap<>();
            for (RuntimeSearchParam sp : fhir.getResourceDefinition(type).getSearchParams()) {
                if (sp.getParamType() == RestSearchParameterTypeEnum.COMPOSITE) {
                    composites.computeIfAbsent(type, t -> new java.util.TreeSet<>()).add(sp.getName());
                }
                if (!INDEXED.contains(sp.getParamType()) || NATIVE.contains(sp.getName()) || sp.getPath() == null
                        || sp.getPath().isBlank()) continue;
                // the shared meta parameters are written for 'Resource'; the engine evaluates paths of the type itself
                String expression = sp.getPath().replaceAll("(^|[ (|])Resource\\.", "$1" + type + ".");
                List<String> paths = plainPaths(expression);
                boolean coded = sp.getParamType() == RestSearchParameterTypeEnum.TOKEN && paths != null
                        && paths.stream().map(this::elementType).allMatch(t -> t != null && CODED.contains(t));
                params.put(sp.getName(), new Param(type, sp.getName(), sp.getParamType(), expression,
                        engine.parse(expression), paths, coded, List.copyOf(sp.getTargets()), sp.getUri()));
            }
            // R4's common parameters that HAPI's context does not carry (search.html, "Parameters for all resources")
            for (String[] extra : EXTRA) {
                if (params.containsKey(extra[0])) continue;
                String expression = extra[2].replace("Resource.", type + ".");
                params.put(extra[0], new Param(type, extra[0], RestSearchParameterTypeEnum.valueOf(extra[1]), expression,
                        engine.parse(expression), null, false, List.of(), extra[3]));
            }
            byType.put(type, params);
        }
    }

    /** name, type, expression, definition of the common parameters added to every type. */
    private static final String[][] EXTRA = {
            {"_source", "URI", "Resource.meta.source", "http://hl7.org/fhir/SearchParameter/Resource-source"},
            {"_language", "TOKEN", "Resource.language", "http://hl7.org/fhir/SearchParameter/Resource-language"}};

    /** The indexed parameters of {@code type}, by name. */
    public Map<String, Param> of(String type) {
        return byType.getOrDefault(type, Map.of());
    }

    /** The names of the type's composite parameters (not indexed). */
    public Set<String> composites(String type) {
        return composites.getOrDefault(type, Set.of());
    }

    public Param get(String type, String name) {
        return of(type).get(name);
    }

    public Collection<String> types() {
        return byType.keySet();
    }

    /** This thread's FHIRPath engine (the engine keeps per-evaluation state; the compiled expressions are shared). */
    FHIRPathEngine engine() {
        return engines.get();
    }

    /** The plain paths of an expression that is a union of them (each optionally restricted by resolve() is T). */
    private static List<String> plainPaths(String expression) {
        List<String> out = new ArrayList<>();
        for (String part : expression.split("\\s*\\|\\s*")) {
            String p = RESOLVE_IS.matcher(part.strip()).replaceAll("");
            if (!PLAIN.matcher(p).matches()) return null;
            out.add(p);
        }
        return List.copyOf(out);
    }

    /** The FHIR type of the element at a plain path (from HAPI's definitions), null when it cannot be told. */
    private String elementType(String path) {
        String[] parts = path.split("\\.");
        BaseRuntimeElementDefinition<?> def = fhir.getResourceDefinition(parts[0]);
        for (String part : Arrays.asList(parts).subList(1, parts.length)) {
            if (!(def instanceof BaseRuntimeElementCompositeDefinition<?> composite)) return null;
            BaseRuntimeChildDefinition child = composite.getChildByName(part);
            if (child == null) return null;
            def = child.getChildByName(part);
            if (def == null) return null;
        }
        return def.getName();
    }

    /**
     * The FHIRPath engine, with what search expressions need from a host: {@code resolve()} answers an empty resource
     * of the referenced type (enough for {@code resolve() is Patient}).
     */
    private FHIRPathEngine newEngine() {
        IWorkerContext worker = FhirPathWorker.of(fhir);
        FHIRPathEngine engine = new FHIRPathEngine(worker);
        engine.setHostServices(new FhirPathWorker.Host(worker) {
            @Override
            public Base resolveReference(FHIRPathEngine e, Object context, String url, Base refContext) {
                String type = referencedType(url);
                return type == null ? null : (Base) fhir.getResourceDefinition(type).newInstance();
            }
        });
        return engine;
    }

    /** The resource type a reference names: {@code Patient/1}, {@code http://x/fhir/Patient/1}, {@code Patient?identifier=..}. */
    String referencedType(String url) {
        if (url == null) return null;
        int q = url.indexOf('?');
        String path = q >= 0 ? url.substring(0, q) : url;
        String[] segments = path.split("/");
        String candidate = q >= 0 ? segments[segments.length - 1]
                : segments.length >= 2 ? segments[segments.length - 2] : null;
        if (candidate != null && segments.length >= 4 && "_history".equals(segments[segments.length - 2])) {
            candidate = segments[segments.length - 4];
        }
        return candidate != null && fhir.getResourceTypes().contains(candidate) ? candidate : null;
    }
}
