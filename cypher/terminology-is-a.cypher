// Terminology loaders: the hierarchy of a loaded terminology as (child:Concept)-[:IS_A]->(parent:Concept).
// Both ends must already be Concept nodes (the loader writes concepts first); an edge to an unknown key is skipped.
// $edges: [{child, parent}] (concept keys, distinct pairs). Returns one row: created, existing, missing.
CYPHER replan=skip
UNWIND $edges AS e
OPTIONAL MATCH (c:Concept {key: e.child})
OPTIONAL MATCH (p:Concept {key: e.parent})
WITH c, p, c IS NOT NULL AND p IS NOT NULL AND NOT EXISTS { (c)-[:IS_A]->(p) } AS fresh
CALL (c, p, fresh) {
  WITH * WHERE fresh
  CREATE (c)-[:IS_A]->(p)
}
RETURN count(CASE WHEN fresh THEN 1 END) AS created,
       count(CASE WHEN c IS NOT NULL AND p IS NOT NULL AND NOT fresh THEN 1 END) AS existing,
       count(CASE WHEN c IS NULL OR p IS NULL THEN 1 END) AS missing
