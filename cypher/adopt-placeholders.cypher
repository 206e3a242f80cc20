// A resource that arrives after conditional references to it were stored takes over the placeholders that
// stand for it (matched by identifier): their incoming relationships move to it and the placeholders go.
UNWIND $keys AS key
MATCH (n:Resource {key: key})-[:IDENTIFIED_BY]->(:Identifier)<-[:IDENTIFIED_BY]-(p:Resource {placeholder: true})
WHERE p <> n
WITH DISTINCT n, p
CALL (n, p) {
  MATCH (src)-[rel]->(p)
  CREATE (src)-[moved:$(type(rel))]->(n)
  SET moved = properties(rel)
  DELETE rel
}
DETACH DELETE p
RETURN count(p) AS adopted
