package org.caregraph.graph;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.stereotype.Component;

/**
 * The R4 Patient compartment as the graph sees it, taken from HAPI's compartment definitions: the search parameters
 * that provide membership in the Patient compartment (Observation.subject, Encounter.subject, Claim.patient,
 * Procedure.performer.actor ...), reduced to the reference paths the graph stores on its relationships (the
 * {@code .where(resolve() is Patient)} qualifiers dropped: a relationship to a Patient node is to a patient already).
 * $everything and the Patient and Group level exports read a patient's resources through these paths, so both agree
 * on what belongs to a patient.
 */
@Component
public class PatientCompartment {
    private final List<String> paths;
    private final Set<String> pathSet;
    private final Set<String> types;

    public PatientCompartment(FhirContext fhir) {
        Set<String> paths = new TreeSet<>();
        Set<String> types = new TreeSet<>(Set.of("Patient"));
        for (String type : fhir.getResourceTypes()) {
            for (RuntimeSearchParam param : fhir.getResourceDefinition(type).getSearchParams()) {
                Set<String> compartments = param.getProvidesMembershipInCompartments();
                if (compartments == null || !compartments.contains("Patient") || param.getPath() == null) continue;
                Arrays.stream(param.getPath().split("\\|")).map(PatientCompartment::referencePath)
                        .filter(p -> p.startsWith(type + ".")).forEach(paths::add);
                types.add(type);
            }
        }
        this.paths = List.copyOf(paths);
        this.pathSet = Set.copyOf(paths);
        this.types = Set.copyOf(types);
    }

    /** {@code Condition.subject.where(resolve() is Patient)} → {@code Condition.subject}. */
    public static String referencePath(String fhirPath) {
        String p = fhirPath.strip();
        int where = p.indexOf(".where(");
        return where < 0 ? p : p.substring(0, where);
    }

    /** The relationship paths (e.g. 'Observation.subject') that put their source in the target patient's compartment. */
    public List<String> paths() {
        return paths;
    }

    /** {@link #paths()} as a set. */
    public Set<String> pathSet() {
        return pathSet;
    }

    /** The resource types a patient's compartment can hold (Patient included). */
    public Set<String> types() {
        return types;
    }
}
