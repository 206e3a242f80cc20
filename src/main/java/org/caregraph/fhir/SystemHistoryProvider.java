package org.caregraph.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.History;
import ca.uhn.fhir.rest.annotation.Offset;
import ca.uhn.fhir.rest.annotation.Since;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import org.caregraph.graph.GraphReader;
import org.hl7.fhir.r4.model.InstantType;

/** {@code GET /fhir/_history}: every resource's versions, newest first (HAPI serves a plain provider at the root). */
class SystemHistoryProvider {
    private final FhirContext fhir;
    private final GraphReader reader;

    SystemHistoryProvider(FhirContext fhir, GraphReader reader) {
        this.fhir = fhir;
        this.reader = reader;
    }

    @History
    public IBundleProvider history(@Since InstantType since, @Offset Integer offset) {
        return HistoryBundle.ofType(fhir, reader, null, since, offset);
    }
}
