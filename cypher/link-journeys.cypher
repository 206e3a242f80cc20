// Each patient's encounters chained in time: (:Patient)-[:FIRST_ENCOUNTER]->(:Encounter)-[:NEXT]->(:Encounter)...
// Rebuilt for the patients a write touched; ties in time are broken by key so the chain is deterministic.
UNWIND $patients AS pk
MATCH (p:Patient {key: pk})
CALL (p) {
  MATCH (p)-[f:FIRST_ENCOUNTER]->()
  DELETE f
}
CALL (p) {
  MATCH (p)<-[:SUBJECT]-(:Encounter)-[nx:NEXT]->()
  DELETE nx
}
CALL (p) {
  MATCH (p)<-[:SUBJECT]-(e:Encounter)
  WITH e ORDER BY e.time, e.key
  WITH collect(e) AS chain
  WITH chain WHERE size(chain) > 0
  CALL (chain) {
    UNWIND range(0, size(chain) - 2) AS i
    WITH chain[i] AS a, chain[i + 1] AS b
    CREATE (a)-[:NEXT]->(b)
  }
  RETURN head(chain) AS first
}
CREATE (p)-[:FIRST_ENCOUNTER]->(first)
RETURN count(p) AS linked
