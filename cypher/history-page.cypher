// FHIR type and system history: one page of the versions (current and prior, deletions included) of the resources
// labelled $labels (['Patient'] for a type, ['Resource'] for the whole server), newest first.
// $since: only versions written at or after this instant (null: any); $offset, $count: the page.
// Returns type, id, json (null for a deletion), versionId, lastUpdated, deleted.
MATCH (n:$any($labels))
WHERE n.placeholder IS NULL
// @include security/visible
CALL (n) {
  RETURN n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated, n.deleted AS deleted
  UNION ALL
  MATCH (v:Version)-[:VERSION_OF]->(n)
  RETURN v.json AS json, v.versionId AS versionId, v.lastUpdated AS lastUpdated, v.deleted AS deleted
}
WITH n, json, versionId, lastUpdated, deleted, datetime(lastUpdated) AS at
WHERE ($since IS NULL OR at >= datetime($since))
RETURN n.resourceType AS type, n.id AS id, json, versionId, lastUpdated, coalesce(deleted, false) AS deleted,
       n.compartments AS compartments, n.`sp.category` AS categories
ORDER BY at DESC, n.key, versionId DESC
SKIP $offset LIMIT $count
