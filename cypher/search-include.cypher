// FHIR search _include: the current resources that the resources $keys reference through one search parameter, over
// the reference relationships at $paths and the stored reference values of $prop ('none' when the relationships
// serve), only of type $targetType when not null; at most $limit.
MATCH (n:Resource)
WHERE n.key IN $keys
CALL (n) {
  MATCH (n)-[r]->(t:Resource)
  WHERE r.path IN $paths
  RETURN t
  UNION
  UNWIND coalesce(n[$prop], []) AS k
  MATCH (t:Resource {key: k})
  RETURN t
}
WITH DISTINCT t
WHERE t.placeholder IS NULL AND t.deleted IS NULL AND ($targetType IS NULL OR t.resourceType = $targetType)
RETURN t.resourceType AS type, t.id AS id, t.json AS json, t.versionId AS versionId, t.lastUpdated AS lastUpdated
LIMIT $limit
