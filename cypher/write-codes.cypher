// Write path step 3: codings become shared Concept nodes (system|code), linked by CODED with the element's FHIRPath.
// A concept's first display stays its display (a loaded terminology's preferred term replaces it); a different display
// the data uses is kept among its synonyms, so the NLP lexicon finds notes written with the data's wording too.
// $concepts: [{key, system, code, display}] (distinct), $rows: [{key, codes: [{key, path}]}]
CYPHER replan=skip
CALL () {
  UNWIND $concepts AS c
  MERGE (k:Concept {key: c.key})
    ON CREATE SET k.system = c.system, k.code = c.code, k.display = c.display
  WITH k, c WHERE c.display IS NOT NULL AND (k.display IS NULL OR k.display <> c.display)
  CALL (k, c) {
    WITH * WHERE k.display IS NULL
    SET k.display = c.display
  }
  CALL (k, c) {
    WITH * WHERE k.display <> c.display AND NOT c.display IN coalesce(k.synonyms, [])
    SET k.synonyms = coalesce(k.synonyms, []) + c.display
  }
}
UNWIND $rows AS r
MATCH (n:Resource {key: r.key})
UNWIND r.codes AS code
MATCH (k:Concept {key: code.key})
CREATE (n)-[:CODED {path: code.path}]->(k)
