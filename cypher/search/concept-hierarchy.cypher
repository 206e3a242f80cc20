// FHIR search token :below / :above, $subsumes: the Concept keys below ($below true) or above the Concepts $keys
// (['system|code']) in the loaded hierarchies (IS_A points from a concept to its parent), the Concepts themselves
// included (a code is below and above itself); at most $limit. Concepts only: no resource is read.
MATCH (k:Concept)
WHERE k.key IN $keys
CALL (k) {
  MATCH (k)<-[:IS_A*0..]-(d:Concept)
  WHERE $below
  RETURN d
  UNION
  MATCH (k)-[:IS_A*0..]->(d:Concept)
  WHERE NOT $below
  RETURN d
}
RETURN DISTINCT d.key AS key
LIMIT $limit
