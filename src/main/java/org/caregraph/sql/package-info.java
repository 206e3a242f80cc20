/**
 * SQL analytics: SQL on FHIR v2 ViewDefinitions, compiled and run over FHIR resources on HL7's FHIRPath engine
 * ({@link org.caregraph.sql.ViewDefinition}), materialized as typed tables in an embedded DuckDB kept fresh from the
 * writer's changes, and the analysts' read-only SQL over them.
 */
package org.caregraph.sql;
