// FHIR vread and instance history: every version of a resource, newest first (the current one from the resource
// node, prior ones from its Version nodes); a deletion is a version with deleted = true and no json.
MATCH (n:Resource {key: $key})
WHERE n.placeholder IS NULL
CALL (n) {
  RETURN n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated, n.deleted AS deleted
  UNION ALL
  MATCH (v:Version)-[:VERSION_OF]->(n)
  RETURN v.json AS json, v.versionId AS versionId, v.lastUpdated AS lastUpdated, v.deleted AS deleted
}
RETURN json, versionId, lastUpdated, coalesce(deleted, false) AS deleted
ORDER BY versionId DESC
