// Each patient's encounters chained in time: (:Patient)-[:FIRST_ENCOUNTER]->(:Encounter)-[:NEXT]->(:Encounter)...
// Rebuilt for resources marked journeyDirty by the writer, $limit at a time (the caller repeats until none is left);
// ties in time are broken by key so the chain is deterministic. A deleted patient loses its chain (its encounters may
// still name it, but nothing follows a tombstone's journey: the chain would go stale); a placeholder just loses the
// mark: the patient's own arrival (or re-creation) marks it again. Returns the keys of the patients relinked (none: done).
MATCH (p:Resource {journeyDirty: true})
WITH p LIMIT $limit
REMOVE p.journeyDirty
WITH collect(p) AS marked
CALL (marked) {
  UNWIND marked AS p
  WITH p WHERE p:Patient
  CALL (p) {
    MATCH (p)-[f:FIRST_ENCOUNTER]->()
    DELETE f
  }
  CALL (p) {
    MATCH (p)<-[:SUBJECT]-(:Encounter)-[nx:NEXT]->()
    DELETE nx
  }
  WITH p WHERE p.deleted IS NULL
  CALL (p) {
    MATCH (p)<-[:SUBJECT]-(e:Encounter)
    WITH p, e ORDER BY e.time, e.key
    WITH p, collect(e) AS chain
    WITH p, chain WHERE size(chain) > 0
    CALL (chain) {
      UNWIND range(0, size(chain) - 2) AS i
      WITH chain[i] AS a, chain[i + 1] AS b
      CREATE (a)-[:NEXT]->(b)
    }
    WITH p, head(chain) AS first
    CREATE (p)-[:FIRST_ENCOUNTER]->(first)
  }
}
RETURN [p IN marked WHERE p:Patient AND p.deleted IS NULL | p.key] AS patients, size(marked) AS linked
