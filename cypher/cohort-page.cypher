// Cohorts: the patients of one page the caller may see. Returns id and json (the stored Patient) in the order of $keys
// (Patient keys).
UNWIND range(0, size($keys) - 1) AS i
MATCH (n:Resource {key: $keys[i]})
WHERE n:Patient AND n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
RETURN n.id AS id, n.resourceType AS type, n.json AS json, n.compartments AS compartments, n.`sp.category` AS categories
ORDER BY i
