// FHIR read: the current version of a stored resource (placeholders are not resources yet, deleted ones no more).
// Only for a caller who may see it (security/visible): else it is as unknown as a resource that does not exist.
MATCH (n:Resource {key: $key})
WHERE n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
RETURN n.resourceType AS type, n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated,
       n.compartments AS compartments, n.`sp.category` AS categories
