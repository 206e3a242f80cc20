// FHIR delete, through the single writer: the current version is kept as a Version and the node becomes a tombstone
// (deleted = true, versionId + 1, no content, none of the facts analytics read). The relationships derived from its
// content go (outgoing references and codings, which carry a path, identifiers, and a document's NLP mentions), and
// so does a deleted encounter's place in its patient's journey (NEXT), the patient being marked for relinking (a
// deleted patient is marked too: relinking drops its chain).
// References from other resources to it stay: FHIR allows dangling references, and a re-creation (an update) finds
// them in place. Its search values (sp.*) go too.
// $key; returns the tombstone's versionId, no row when the key is unknown, a placeholder or already deleted.
MATCH (n:Resource {key: $key})
WHERE n.placeholder IS NULL AND n.deleted IS NULL
CREATE (:Version {key: n.key + '/_history/' + n.versionId, versionId: n.versionId, lastUpdated: n.lastUpdated,
                  json: n.json})-[:VERSION_OF]->(n)
WITH n
CALL (n) {
  MATCH (n:Encounter)-[:SUBJECT]->(p:Patient)
  SET p.journeyDirty = true
}
CALL (n) {
  WITH n WHERE n:Patient
  SET n.journeyDirty = true
}
CALL (n) {
  MATCH (n)-[old]-()
  WHERE type(old) = 'NEXT' OR (startNode(old) = n AND (old.path IS NOT NULL OR type(old) IN ['IDENTIFIED_BY', 'MENTIONS']))
  DELETE old
}
CALL (n) {
  UNWIND [k IN keys(n) WHERE k STARTS WITH 'sp.'] AS stale
  SET n[stale] = null
}
SET n.deleted = true,
    n.versionId = n.versionId + 1,
    n.lastUpdated = toString(datetime.transaction())
REMOVE n.json, n.hash, n.contentHash, n.time, n.end, n.gender, n.status, n.valueKeys, n.valueNumbers, n.valueUnits,
       n.codingPaths, n.codingKeys, n.codingDisplays, n.encounter
RETURN n.versionId AS versionId
