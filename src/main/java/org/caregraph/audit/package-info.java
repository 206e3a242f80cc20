/**
 * The audit trail of issue #13 point 5: every request on a path that can carry PHI (FHIR, Bulk Data files, GraphQL,
 * Cypher, SQL, import, NLP) is recorded as a FHIR R4 AuditEvent shaped like IHE BALP, refusals and failures included,
 * in an append-only, hash-chained log outside the Neo4j store, made durable (fsync, group commit) before the response
 * leaves; a request whose record cannot be written gets 503 and no PHI. This package owns the log's format and chain
 * ({@link org.caregraph.audit.AuditChain}), the writer and its index ({@link org.caregraph.audit.AuditLog}), the
 * verifier behind {@code caregraph audit verify}, the servlet filter that records requests
 * ({@link org.caregraph.audit.AuditTrail}), the events' shape ({@link org.caregraph.audit.AuditEvents}) and
 * {@code /fhir/AuditEvent}, served from the log ({@link org.caregraph.audit.AuditEventProvider}).
 */
package org.caregraph.audit;
