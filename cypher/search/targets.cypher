// FHIR search, result fragment: the distinct resources the matching resources reference through one search parameter
// (_has: Patient?_has:Observation:patient:code=X collects the patients of the matching Observations), at most $limit:
// over the reference relationships at $valuePaths, or the stored values of $valuesOf ('none' when the relationships
// serve).
CALL (n) {
  MATCH (n)-[r]->(t:Resource)
  WHERE r.path IN $valuePaths
  RETURN t.key AS key
  UNION
  UNWIND coalesce(n[$valuesOf], []) AS key
  RETURN key
}
RETURN DISTINCT key
LIMIT $limit
