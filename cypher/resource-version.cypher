// The current versionId of a stored resource (no row for an unknown key or a placeholder), read inside the write
// transaction of a conditional update (FHIR If-Match). $key
MATCH (n:Resource {key: $key})
WHERE n.placeholder IS NULL
RETURN n.versionId AS versionId
