// FHIR search, result fragment: the keys of the matching resources, at most $limit (chained parameters, conditional
// interactions).
RETURN n.key AS key
LIMIT $limit
