package org.caregraph.search;

import ca.uhn.fhir.context.FhirContext;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.List;
import org.hl7.fhir.r4.context.IWorkerContext;
import org.hl7.fhir.r4.fhirpath.BaseHostServices;
import org.hl7.fhir.r4.fhirpath.FHIRPathEngine;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.ValueSet;

/**
 * The worker context HL7's FHIRPath engine needs, knowing the FHIR types by HAPI's own definitions instead of loading
 * every StructureDefinition of the spec (tens of MB, seconds): enough for navigation, {@code ofType}, {@code is} and
 * {@code as}. Shared by the search values and the SQL on FHIR views.
 */
public final class FhirPathWorker {
    private FhirPathWorker() {
    }

    public static IWorkerContext of(FhirContext fhir) {
        return (IWorkerContext) Proxy.newProxyInstance(FhirPathWorker.class.getClassLoader(),
                new Class<?>[] {IWorkerContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "fetchResourcesByType" -> List.of();
                    case "fetchTypeDefinition" -> typeDefinition(fhir, (String) args[0]);
                    case "formatMessage" -> args[0] + " " + Arrays.deepToString((Object[]) args[1]);
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "FhirPathWorker";
                    default -> method.getReturnType() == boolean.class ? Boolean.FALSE : null;
                });
    }

    /**
     * Host services that offer nothing beyond the engine's own: no log output, no references resolved, no profiles,
     * no value sets, no type parameters. Subclasses add what their expressions need.
     */
    public static class Host extends BaseHostServices {
        public Host(IWorkerContext worker) {
            super(worker);
        }

        @Override
        public boolean log(String argument, List<Base> focus) {
            return false;
        }

        @Override
        public Base resolveReference(FHIRPathEngine e, Object context, String url, Base refContext) {
            return null;
        }

        @Override
        public boolean conformsToProfile(FHIRPathEngine e, Object context, Base item, String url) {
            return false;
        }

        @Override
        public ValueSet resolveValueSet(FHIRPathEngine e, Object context, String url) {
            return null;
        }

        @Override
        public boolean paramIsType(String name, int index) {
            return false;
        }
    }

    private static StructureDefinition typeDefinition(FhirContext fhir, String name) {
        if (fhir.getElementDefinition(name) == null && !fhir.getResourceTypes().contains(name)) return null;
        StructureDefinition sd = new StructureDefinition();
        sd.setName(name);
        sd.setType(name);
        sd.setUrl("http://hl7.org/fhir/StructureDefinition/" + name);
        return sd;
    }
}
