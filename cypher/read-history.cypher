// FHIR vread and instance history: every version of a resource, newest first (the current one from the resource
// node, prior ones from its Version nodes); a deletion is a version with deleted = true and no json. The history is
// the caller's to see when the resource as it stands (or stood when deleted) is: its compartments decide for every
// version.
MATCH (n:Resource {key: $key})
WHERE n.placeholder IS NULL
// @include security/visible
CALL (n) {
  RETURN n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated, n.deleted AS deleted
  UNION ALL
  MATCH (v:Version)-[:VERSION_OF]->(n)
  RETURN v.json AS json, v.versionId AS versionId, v.lastUpdated AS lastUpdated, v.deleted AS deleted
}
RETURN n.resourceType AS type, json, versionId, lastUpdated, coalesce(deleted, false) AS deleted,
       n.compartments AS compartments, n.`sp.category` AS categories
ORDER BY versionId DESC
