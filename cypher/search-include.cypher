// FHIR search _include: the current resources that the resources $keys reference through one search parameter, over
// the reference relationships at $paths and the stored reference values of $prop ('none' when the relationships
// serve), only of type $targetType when not null, and only those the caller may see; at most $limit.
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
WITH DISTINCT t AS n
WHERE n.placeholder IS NULL AND n.deleted IS NULL AND ($targetType IS NULL OR n.resourceType = $targetType)
// @include security/visible
RETURN n.resourceType AS type, n.id AS id, n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated,
       n.compartments AS compartments, n.`sp.category` AS categories
LIMIT $limit
