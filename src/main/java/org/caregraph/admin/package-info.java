/**
 * The store's operations, under {@code /admin} with their own scope ({@code system/caregraph.admin}): backup and
 * restore of the whole store, and the consistency check's endpoint. {@code caregraph backup} copies every node and
 * relationship of the graph (resources with their version chains and tombstones, concepts, identifiers, users,
 * clients: every label) as one gzip-compressed NDJSON stream, a consistent cut taken while the server keeps serving
 * (GraphBackup, {@code GET /admin/backup}); {@code caregraph restore} loads it through the one writer into an empty
 * database, embedded or external (GraphRestore). BackupFile is the stream's format and reader. The invariants the
 * check verifies are the graph's own (org.caregraph.graph.GraphCheck); {@code GET /admin/check} runs it on a live
 * server.
 */
package org.caregraph.admin;
