// A resource that arrives after conditional references to it were stored takes over the placeholders that
// stand for it (matched by identifier): their incoming relationships move to it and the placeholders go, and so does
// the placeholder's key in the compartments of the resources that referenced it (a conditional patient reference).
// Anchored on the written keys (index hint). Placeholders hang off identifiers by STANDS_FOR, not IDENTIFIED_BY:
// an identifier many resources share (Synthea gives every claim the same group id) is then never walked in full.
CYPHER replan=skip
UNWIND $keys AS key
MATCH (n:Resource {key: key})
USING INDEX n:Resource(key)
MATCH (n)-[:IDENTIFIED_BY]->(:Identifier)<-[:STANDS_FOR]-(p:Resource)
WHERE p <> n
WITH DISTINCT n, p
CALL (n, p) {
  MATCH (src)-[rel]->(p)
  CREATE (src)-[moved:$(type(rel))]->(n)
  SET moved = properties(rel),
      src.compartments = CASE WHEN src.compartments IS NULL THEN null
                              ELSE [k IN src.compartments | CASE WHEN k = p.key THEN n.key ELSE k END] END
  DELETE rel
}
DETACH DELETE p
RETURN count(p) AS adopted
