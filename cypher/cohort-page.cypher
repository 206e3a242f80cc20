// Cohorts: the patients of one page. Returns id and json (the stored Patient) in the order of $keys (Patient keys).
UNWIND range(0, size($keys) - 1) AS i
MATCH (p:Resource {key: $keys[i]})
WHERE p:Patient AND p.placeholder IS NULL AND p.deleted IS NULL
RETURN p.id AS id, p.json AS json
ORDER BY i
