package org.caregraph.fhir;

import ca.uhn.fhir.rest.annotation.RawParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.caregraph.fhir.search.GraphSearch;
import org.caregraph.graph.PatientCompartment;
import org.caregraph.security.Access;
import org.caregraph.security.AccessContext;
import org.hl7.fhir.r4.model.StringType;

/**
 * Whole-system search, {@code GET [base]?_type=A,B&...} and {@code POST [base]/_search}: one plan per type, merged
 * (types without {@code _type}: those present in the graph); also {@code Patient/[id]/*}, which
 * {@link FhirRequestRewrite} brings here with the patient's compartment (every compartment type, or {@code _type}).
 */
class SystemSearchProvider {
    private final GraphSearch search;
    private final PatientCompartment compartment;
    private final ca.uhn.fhir.context.FhirContext fhir;

    SystemSearchProvider(ca.uhn.fhir.context.FhirContext fhir, GraphSearch search, PatientCompartment compartment) {
        this.fhir = fhir;
        this.search = search;
        this.compartment = compartment;
    }

    @Search(allowUnknownParams = true)
    public IBundleProvider search(@RawParam Map<String, List<String>> ignored, RequestDetails request) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        request.getParameters().forEach((k, v) -> params.put(k, Arrays.asList(v)));
        List<String> named = params.containsKey("_type")
                ? OperationParams.types(fhir, params.remove("_type").stream().map(StringType::new).toList()) : null;
        AccessContext access = Access.current();
        String patient = FhirRequestRewrite.compartment(request);
        List<String> types;
        if (patient != null) {
            types = new ArrayList<>(named != null ? named : compartment.types().stream().sorted().toList());
            if (named == null) types.add("Patient");
            types.removeIf(t -> !t.equals("Patient") && !compartment.types().contains(t));
            types = types.stream().distinct().sorted().toList();
        } else {
            types = named != null ? named : search.typesPresent(access);
        }
        return search.search(access, types, params, GraphResourceProvider.lenient(request), patient);
    }
}
