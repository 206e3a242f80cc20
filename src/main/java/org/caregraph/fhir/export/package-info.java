/**
 * FHIR Bulk Data Access 2.0.0 export: the kick-off operations ({@code $export} at system, Patient and Group level, GET
 * and POST, every parameter of the IG), the background jobs that stream the graph into NDJSON files, the status,
 * manifest, cancel and file endpoints at {@code /export}, and the CapabilityStatement's export rows. Its Cypher is
 * {@code cypher/export-*.cypher}.
 */
package org.caregraph.fhir.export;
