// Write path step 3: codings become shared Concept nodes (system|code), linked by CODED with the element's FHIRPath.
// $concepts: [{key, system, code, display}] (distinct), $rows: [{key, codes: [{key, path}]}]
CYPHER replan=skip
CALL () {
  UNWIND $concepts AS c
  MERGE (k:Concept {key: c.key})
    ON CREATE SET k.system = c.system, k.code = c.code, k.display = c.display
  WITH k, c WHERE k.display IS NULL AND c.display IS NOT NULL
  SET k.display = c.display
}
UNWIND $rows AS r
MATCH (n:Resource {key: r.key})
UNWIND r.codes AS code
MATCH (k:Concept {key: code.key})
CREATE (n)-[:CODED {path: code.path}]->(k)
