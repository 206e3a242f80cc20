package org.caregraph.sql;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import org.springframework.stereotype.Component;

/** Compiles ViewDefinitions (JSON) into {@link ViewDefinition}s over one FHIRPath engine setup. Thread-safe. */
@Component
public class ViewCompiler {
    private final ViewPaths paths;

    public ViewCompiler(FhirContext fhir) {
        this.paths = new ViewPaths(fhir);
    }

    /** @throws ViewException naming the element that is wrong */
    public ViewDefinition compile(JsonNode view) {
        return ViewDefinition.compile(view, paths);
    }
}
