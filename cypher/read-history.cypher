// FHIR vread and instance history: every version of a resource, newest first (the current one from the resource
// node, prior ones from its Version nodes).
MATCH (n:Resource {key: $key})
WHERE n.placeholder IS NULL
CALL (n) {
  RETURN n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated
  UNION ALL
  MATCH (v:Version)-[:VERSION_OF]->(n)
  RETURN v.json AS json, v.versionId AS versionId, v.lastUpdated AS lastUpdated
}
RETURN json, versionId, lastUpdated
ORDER BY versionId DESC
