// FHIR search _revinclude=*: the current resources that reference one of the resources $keys through any reference
// (every relationship with a path between two resources is one: CODED and MENTIONS point at Concepts, NEXT has no
// path), only those the caller may see; at most $limit.
MATCH (t:Resource)
WHERE t.key IN $keys
MATCH (t)<-[r]-(n:Resource)
WHERE r.path IS NOT NULL
WITH DISTINCT n
WHERE n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
RETURN n.resourceType AS type, n.id AS id, n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated,
       n.compartments AS compartments, n.`sp.category` AS categories
LIMIT $limit
