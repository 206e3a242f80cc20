package org.caregraph.fhir;

/**
 * A HAPI plain provider of operations another capability serves on /fhir (the SQL on FHIR operations): every bean
 * of this type is registered with the FHIR server.
 */
public interface FhirOperations {
}
