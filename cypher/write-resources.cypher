// The single write path for FHIR resources (import, REST writes and NLP all go through it).
// $rows: [{key, type, id, json, hash, time, patient, refs: [{rel, path, key, type, id, ident}], codes: [{key, system, code, display, path}],
//          identifiers: [key]}]
// A row whose content hash equals the stored one is skipped: re-importing the same data changes nothing.
UNWIND $rows AS r
MERGE (n:Resource {key: r.key})
WITH n, r
WHERE n.hash IS NULL OR n.hash <> r.hash
// keep the prior version for vread/history
CALL (n) {
  WITH n WHERE n.json IS NOT NULL
  CREATE (:Version {key: n.key + '/_history/' + n.versionId, versionId: n.versionId, lastUpdated: n.lastUpdated,
                    json: n.json})-[:VERSION_OF]->(n)
}
// relationships derived from the old content are rebuilt from the new content
CALL (n) {
  MATCH (n)-[old]->()
  WHERE old.path IS NOT NULL OR type(old) = 'IDENTIFIED_BY'
  DELETE old
}
SET n:$(r.type),
    n.id = r.id, n.resourceType = r.type, n.json = r.json, n.hash = r.hash, n.time = r.time,
    n.versionId = coalesce(n.versionId, 0) + 1,
    n.lastUpdated = toString(datetime.transaction())
REMOVE n.placeholder
WITH n, r
CALL (n, r) {
  UNWIND r.refs AS ref
  MERGE (t:Resource {key: ref.key})
    ON CREATE SET t.placeholder = true, t.resourceType = ref.type, t.id = ref.id
  CREATE (n)-[:$(ref.rel) {path: ref.path}]->(t)
  // an unresolved conditional reference: the placeholder carries the identifier so the real resource can adopt it
  WITH t, ref WHERE ref.ident IS NOT NULL AND t.placeholder
  MERGE (i:Identifier {key: ref.ident})
  MERGE (t)-[:IDENTIFIED_BY]->(i)
}
CALL (n, r) {
  UNWIND r.codes AS c
  MERGE (k:Concept {key: c.key})
    ON CREATE SET k.system = c.system, k.code = c.code
  SET k.display = coalesce(k.display, c.display)
  CREATE (n)-[:CODED {path: c.path}]->(k)
}
// the journey of the patient this touches is relinked after the import (see link-journeys.cypher); the mark is
// written in the same transaction, so even an import killed before relinking leaves it to the next run
CALL (n, r) {
  WITH n, r WHERE r.type = 'Patient'
  SET n.journeyDirty = true
}
CALL (r) {
  WITH r WHERE r.type = 'Encounter' AND r.patient IS NOT NULL
  MATCH (p:Resource {key: r.patient})
  SET p.journeyDirty = true
}
CALL (n, r) {
  UNWIND r.identifiers AS ident
  MERGE (i:Identifier {key: ident})
  MERGE (n)-[:IDENTIFIED_BY]->(i)
}
RETURN n.key AS key
