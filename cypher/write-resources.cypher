// The single write path for FHIR resources (import, REST writes and NLP all go through GraphWriter), step 1 of 5:
// the resource nodes, run as write-resources+write-node (the node's derived properties are in write-node.cypher,
// shared with reindex-resources). $rows: [{key, type, id, json, hash, time, gender, end, status, valueKeys,
// valueNumbers, valueUnits, codingPaths, codingKeys, codingDisplays, encounter, search}].
// A row whose content hash equals the stored one is skipped: re-importing the same data changes nothing. For a new or
// changed resource the prior version is kept (a deletion's tombstone too: writing a deleted resource re-creates it)
// and the relationships derived from the old content are dropped (NLP mentions and the analyzer version too); steps
// 2-5 (write-references, write-codes, write-identifiers, write-mentions) rebuild them from the new content, in the
// same transaction.
CYPHER replan=skip
UNWIND $rows AS r
MERGE (n:Resource {key: r.key})
WITH n, r
WHERE n.hash IS NULL OR n.hash <> r.hash
CALL (n) {
  WITH n WHERE n.json IS NOT NULL OR n.deleted
  CREATE (:Version {key: n.key + '/_history/' + n.versionId, versionId: n.versionId, lastUpdated: n.lastUpdated,
                    json: n.json, deleted: n.deleted})-[:VERSION_OF]->(n)
}
CALL (n) {
  MATCH (n)-[old]->()
  WHERE old.path IS NOT NULL OR type(old) IN ['IDENTIFIED_BY', 'MENTIONS']
  DELETE old
}
SET n.json = r.json, n.hash = r.hash,
    n.versionId = coalesce(n.versionId, 0) + 1,
    n.lastUpdated = toString(datetime.transaction())
REMOVE n.placeholder, n.deleted, n.nlpVersion
