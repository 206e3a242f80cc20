package org.caregraph.graphql;

import java.util.Collection;
import java.util.List;

/**
 * The kinds of clinical event the analytics speak of (schema enum {@code EventType}): the resource types that are one,
 * and the element whose coding is the event's own concept (a Condition's code, not its category).
 */
public enum EventType {
    ENCOUNTER(List.of("Encounter"), List.of("Encounter.type")),
    CONDITION(List.of("Condition"), List.of("Condition.code")),
    OBSERVATION(List.of("Observation"), List.of("Observation.code")),
    MEDICATION(List.of("MedicationRequest", "MedicationStatement", "MedicationAdministration", "MedicationDispense"),
            List.of("MedicationRequest.medication", "MedicationStatement.medication",
                    "MedicationAdministration.medication", "MedicationDispense.medication")),
    PROCEDURE(List.of("Procedure"), List.of("Procedure.code")),
    IMMUNIZATION(List.of("Immunization"), List.of("Immunization.vaccineCode")),
    ALLERGY(List.of("AllergyIntolerance"), List.of("AllergyIntolerance.code")),
    CARE_PLAN(List.of("CarePlan"), List.of("CarePlan.category")),
    DIAGNOSTIC_REPORT(List.of("DiagnosticReport"), List.of("DiagnosticReport.code")),
    NOTE(List.of("DocumentReference"), List.of("DocumentReference.type")),
    DEVICE(List.of("Device"), List.of("Device.type")),
    IMAGING(List.of("ImagingStudy"), List.of("ImagingStudy.procedureCode"));

    private final List<String> labels;
    private final List<String> codePaths;

    EventType(List<String> labels, List<String> codePaths) {
        this.labels = labels;
        this.codePaths = codePaths;
    }

    public List<String> labels() {
        return labels;
    }

    /** Resource labels of these types; all types when none are given. */
    public static List<String> labels(Collection<EventType> types) {
        return all(types).stream().flatMap(t -> t.labels.stream()).toList();
    }

    /** FHIRPaths (as on CODED relationships) of the event's own concept; all types when none are given. */
    public static List<String> codePaths(Collection<EventType> types) {
        return all(types).stream().flatMap(t -> t.codePaths.stream()).toList();
    }

    /** The type of a resource label, or null when the label is not an event. */
    public static EventType of(String label) {
        for (EventType t : values()) if (t.labels.contains(label)) return t;
        return null;
    }

    private static Collection<EventType> all(Collection<EventType> types) {
        return types == null || types.isEmpty() ? List.of(values()) : types;
    }
}
