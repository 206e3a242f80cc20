package org.caregraph.graph;

import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * A resource type beyond R4's own (SQL on FHIR's ViewDefinition) that CareGraph stores like any other: a capability
 * declares it as a bean, and the one {@link ca.uhn.fhir.context.FhirContext} parses it, lists it among its resource
 * types, and so gives it the mapper, the writer, REST and search.
 */
public record FhirCustomType(String name, Class<? extends IBaseResource> implementation) {
}
