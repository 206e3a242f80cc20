// The version each of $keys is at, read at the end of a FHIR transaction's write transaction (GraphWriter.transaction)
// for its response entries (etag, lastModified). No row for an unknown key or a placeholder.
UNWIND $keys AS key
MATCH (n:Resource {key: key})
WHERE n.placeholder IS NULL
RETURN n.key AS key, n.versionId AS versionId, n.lastUpdated AS lastUpdated, n.deleted IS NOT NULL AS deleted
