package org.caregraph.fhir.export;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;

/**
 * The parameters of a Bulk Data kick-off as name → values: from the query string of a GET, from the Parameters body of
 * a POST (primitive values as their string, a {@code patient} Reference as its reference; query parameters of a POST
 * count too). A parameter the IG defines as comma-delimited may also be repeated: {@link #list} treats both alike.
 */
final class KickOffParameters {
    static final String OUTPUT_FORMAT = "_outputFormat";
    static final String SINCE = "_since";
    static final String TYPE = "_type";
    static final String ELEMENTS = "_elements";
    static final String PATIENT = "patient";
    static final String ASSOCIATED = "includeAssociatedData";
    static final String TYPE_FILTER = "_typeFilter";
    /** Every kick-off parameter of Bulk Data Access 2.0.0. */
    static final Set<String> DEFINED = Set.of(OUTPUT_FORMAT, SINCE, TYPE, ELEMENTS, PATIENT, ASSOCIATED, TYPE_FILTER);
    /** FHIR's general parameters on how a response is written (HAPI applies them to the OperationOutcome): allowed. */
    static final Set<String> GENERAL = Set.of("_format", "_pretty");

    private final Map<String, List<String>> values;

    private KickOffParameters(Map<String, List<String>> values) {
        this.values = values;
    }

    static KickOffParameters read(FhirContext fhir, ServletRequestDetails request) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        request.getParameters().forEach((name, given) -> values.computeIfAbsent(name, n -> new ArrayList<>())
                .addAll(Arrays.asList(given)));
        if (request.getRequestType() == RequestTypeEnum.POST) {
            byte[] body = request.loadRequestContents();
            if (body != null && !new String(body, StandardCharsets.UTF_8).isBlank()) body(fhir, request, body, values);
        }
        return new KickOffParameters(values);
    }

    private static void body(FhirContext fhir, ServletRequestDetails request, byte[] body, Map<String, List<String>> values) {
        String contentType = String.valueOf(request.getHeader("Content-Type")).toLowerCase();
        IParser parser = contentType.contains("xml") ? fhir.newXmlParser() : fhir.newJsonParser();
        Parameters parameters;
        try {
            parameters = parser.parseResource(Parameters.class, new String(body, StandardCharsets.UTF_8));
        } catch (DataFormatException e) {
            throw new InvalidRequestException("the body of a POST kick-off must be a FHIR Parameters resource: " + e.getMessage());
        }
        for (Parameters.ParametersParameterComponent p : parameters.getParameter()) {
            String value;
            if (p.getValue() instanceof Reference ref && ref.hasReference()) value = ref.getReference();
            else if (p.getValue() instanceof IPrimitiveType<?> primitive && primitive.getValueAsString() != null) {
                value = primitive.getValueAsString();
            } else {
                throw new InvalidRequestException("parameter '" + p.getName() + "' needs a primitive value (or a Reference for patient)");
            }
            values.computeIfAbsent(p.getName(), n -> new ArrayList<>()).add(value);
        }
    }

    /** The names given, in order. */
    Set<String> names() {
        return values.keySet();
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** The one value of a 0..1 parameter; null when absent; 400 when repeated. */
    String single(String name) {
        List<String> given = values.get(name);
        if (given == null) return null;
        if (given.size() > 1) throw new InvalidRequestException(name + " may be given once, not " + given.size() + " times");
        return given.getFirst();
    }

    /** The values of a comma-delimited, repeatable parameter, split and trimmed, empty ones left out. */
    List<String> list(String name) {
        List<String> out = new ArrayList<>();
        for (String value : values.getOrDefault(name, List.of())) {
            for (String part : value.split(",")) {
                if (!part.isBlank()) out.add(part.strip());
            }
        }
        return out;
    }

    /** The values as given, not split (for _typeFilter, whose queries may hold commas of their own). */
    List<String> raw(String name) {
        return values.getOrDefault(name, List.of());
    }
}
