package org.caregraph.sql;

import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.caregraph.search.FhirPathWorker;
import org.hl7.fhir.exceptions.FHIRException;
import org.hl7.fhir.exceptions.PathEngineException;
import org.hl7.fhir.r4.context.IWorkerContext;
import org.hl7.fhir.r4.fhirpath.ExpressionNode;
import org.hl7.fhir.r4.fhirpath.FHIRPathEngine;
import org.hl7.fhir.r4.fhirpath.FHIRPathUtilityClasses.FunctionDetails;
import org.hl7.fhir.r4.fhirpath.TypeDetails;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.utilities.fhirpath.FHIRPathConstantEvaluationMode;

/**
 * HL7's FHIRPath engine (HAPI's R4 {@link FHIRPathEngine}) with what SQL on FHIR v2 adds through the engine's host
 * hooks: the view's constants and {@code %rowIndex} as external constants, {@code getResourceKey()} and
 * {@code getReferenceKey([type])}. Compiled expressions are shared; each thread evaluates with its own engine (the
 * engine keeps per-evaluation state).
 */
final class ViewPaths {
    private final FhirContext fhir;
    private final ThreadLocal<FHIRPathEngine> engines;

    ViewPaths(FhirContext fhir) {
        this.fhir = fhir;
        this.engines = ThreadLocal.withInitial(this::newEngine);
    }

    /** What an evaluation sees besides its focus: the view's constants and the index of the row being built. */
    record Scope(Map<String, List<Base>> constants, int rowIndex) {
        Scope at(int index) {
            return index == rowIndex ? this : new Scope(constants, index);
        }
    }

    ExpressionNode parse(String expression, String element) {
        try {
            return engines.get().parse(expression);
        } catch (FHIRException e) {
            throw new ViewException("invalid FHIRPath '" + expression + "': " + e.getMessage(), element);
        }
    }

    List<Base> evaluate(Resource resource, Base focus, ExpressionNode expression, Scope scope, String element) {
        try {
            return engines.get().evaluate(scope, resource, resource, focus, expression);
        } catch (ViewException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ViewException(e.getMessage() == null ? e.toString() : e.getMessage(), element);
        }
    }

    /** A FHIR primitive of {@code type} (date, code, decimal...) from its JSON text, for a constant. */
    PrimitiveType<?> primitive(String type, String text, String element) {
        BaseRuntimeElementDefinition<?> def = fhir.getElementDefinition(type);
        if (def == null || !(def.newInstance() instanceof PrimitiveType<?> value)) {
            throw new ViewException("unknown primitive type '" + type + "'", element);
        }
        try {
            value.setValueAsString(text);
        } catch (RuntimeException e) {
            throw new ViewException("invalid " + type + " '" + text + "'", element);
        }
        return value;
    }

    boolean isResourceType(String type) {
        return fhir.getResourceTypes().contains(type);
    }

    private FHIRPathEngine newEngine() {
        IWorkerContext worker = FhirPathWorker.of(fhir);
        FHIRPathEngine engine = new FHIRPathEngine(worker);
        engine.setHostServices(new FhirPathWorker.Host(worker) {
            @Override
            public List<Base> resolveConstant(FHIRPathEngine e, Object context, String name, FHIRPathConstantEvaluationMode mode) {
                // the engine also asks before and after resolving every plain name: only %name is ours
                if (mode != FHIRPathConstantEvaluationMode.EXPLICIT) return List.of();
                Scope scope = (Scope) context;
                if ("rowIndex".equals(name)) return List.of(new IntegerType(scope.rowIndex()));
                List<Base> value = scope.constants().get(name);
                if (value == null) throw new PathEngineException("undefined constant %" + name);
                return value;
            }

            @Override
            public FunctionDetails resolveFunction(FHIRPathEngine e, String name) {
                return switch (name) {
                    case "getResourceKey" -> new FunctionDetails("the key of a resource", 0, 0);
                    case "getReferenceKey" -> new FunctionDetails("the key of the resource a reference points to", 0, 1);
                    default -> null;
                };
            }

            @Override
            public TypeDetails checkFunction(FHIRPathEngine e, Object context, String name, TypeDetails focus,
                                             List<TypeDetails> parameters) {
                return null;
            }

            @Override
            public boolean paramIsType(String name, int index) {
                return "getReferenceKey".equals(name);
            }

            @Override
            public List<Base> executeFunction(FHIRPathEngine e, Object context, List<Base> focus, String name,
                                              List<List<Base>> parameters) {
                List<Base> out = new ArrayList<>();
                if ("getResourceKey".equals(name)) {
                    for (Base b : focus) if (b instanceof Resource r && r.hasIdElement()) out.add(new StringType(key(r)));
                    return out;
                }
                String type = parameters.isEmpty() || parameters.getFirst().isEmpty() ? null
                        : typeName(parameters.getFirst().getFirst());
                for (Base b : focus) {
                    if (!(b instanceof Reference ref) || !ref.hasReference()) continue;
                    String[] target = referenceKey(ref.getReference());
                    if (target != null && (type == null || type.equals(target[0]))) out.add(new StringType(target[1]));
                }
                return out;
            }
        });
        return engine;
    }

    /**
     * A resource's key: its id. Ids are unique per type, and a view is over one type, so a view's key column joins
     * with another view's {@code getReferenceKey(Type)} column.
     */
    static String key(Resource r) {
        return r.getIdElement().getIdPart();
    }

    /** {@code [type, id]} of a literal reference (relative, absolute, or versioned), null for contained or other. */
    static String[] referenceKey(String reference) {
        if (reference.startsWith("#") || reference.startsWith("urn:") || reference.contains("?")) return null;
        String[] s = reference.split("/");
        int at = s.length >= 4 && "_history".equals(s[s.length - 2]) ? s.length - 4 : s.length - 2;
        return at < 0 ? null : new String[] {s[at], s[at + 1]};
    }

    /** The engine passes a type argument as {@code FHIR.Patient} (or the bare name). */
    private static String typeName(Base type) {
        String name = type.isPrimitive() ? type.primitiveValue() : type.toString();
        return name.startsWith("FHIR.") ? name.substring(5) : name;
    }
}
