// FHIR terminology: the Concepts of one code system in the graph ($system), the codes written by resources and
// loaded terminologies, with their displays; $codes: only these (null: all), at most $limit.
MATCH (k:Concept)
WHERE k.system = $system AND ($codes IS NULL OR k.code IN $codes)
RETURN k.code AS code, k.display AS display
ORDER BY k.code
LIMIT $limit
