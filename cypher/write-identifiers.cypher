// Write path step 4: business identifiers as shared (:Identifier {key: 'Type|system|value'}) nodes, which resolve
// conditional and logical references; and the journey mark of the patients whose encounters changed.
// $rows: [{key, identifiers: [key]}], $journeys: [patient key]
CYPHER replan=skip
CALL () {
  UNWIND $rows AS r
  MATCH (n:Resource {key: r.key})
  UNWIND r.identifiers AS ident
  MERGE (i:Identifier {key: ident})
  CREATE (n)-[:IDENTIFIED_BY]->(i)
}
UNWIND $journeys AS key
MATCH (p:Resource {key: key})
SET p.journeyDirty = true
