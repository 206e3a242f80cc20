package org.caregraph.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.InstantType;

/** The {@code _type} and {@code _since} parameters $everything and $export share, checked alike (400 when wrong). */
public final class OperationParams {
    private OperationParams() {
    }

    /** {@code _type}: comma-separated, possibly repeated resource type names; null when absent; unknown → 400. */
    public static List<String> types(FhirContext fhir, List<? extends IPrimitiveType<String>> values) {
        if (values == null || values.isEmpty()) return null;
        Set<String> known = fhir.getResourceTypes();
        List<String> types = new ArrayList<>();
        for (IPrimitiveType<String> value : values) {
            for (String t : String.valueOf(value.getValue()).split(",")) {
                String type = t.strip();
                if (type.isEmpty()) continue;
                if (!known.contains(type)) throw new InvalidRequestException("_type: '" + type + "' is not a FHIR R4 resource type");
                if (!types.contains(type)) types.add(type);
            }
        }
        if (types.isEmpty()) throw new InvalidRequestException("_type names no resource type");
        return List.copyOf(types);
    }

    /** {@code _since}: a FHIR instant, as an ISO-8601 UTC string for the graph; null when absent; malformed → 400. */
    public static String since(IPrimitiveType<String> value) {
        if (value == null || value.getValue() == null || value.getValue().isBlank()) return null;
        try {
            InstantType instant = new InstantType(value.getValue().strip());
            if (instant.getValue() == null) throw new DataFormatException("empty");
            return instant.getValue().toInstant().toString();
        } catch (DataFormatException | IllegalArgumentException e) {
            throw new InvalidRequestException("_since: '" + value.getValue() + "' is not a FHIR instant (e.g. 2024-01-31T12:00:00Z)");
        }
    }
}
