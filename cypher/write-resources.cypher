// The single write path for FHIR resources (import, REST writes and NLP all go through GraphWriter), step 1 of 5:
// the resource nodes, run as write-resources+write-node (the node's derived properties are in write-node.cypher,
// shared with reindex-resources). $rows: [{key, type, id, json, hash, time, gender, end, status, valueKeys,
// valueNumbers, valueUnits, codingPaths, codingKeys, codingDisplays, encounter, search, contentHash}].
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
// a new version when the client's content changed (or the resource is new, or comes back after a delete); when only
// the server's own additions changed (a note's NLP analysis, after the lexicon changed) it is rewritten in place
WITH n, r, n.json IS NULL OR n.deleted IS NOT NULL OR n.contentHash IS NULL OR n.contentHash <> r.contentHash AS newVersion
CALL (n, newVersion) {
  WITH n WHERE newVersion AND (n.json IS NOT NULL OR n.deleted)
  CREATE (:Version {key: n.key + '/_history/' + n.versionId, versionId: n.versionId, lastUpdated: n.lastUpdated,
                    json: n.json, deleted: n.deleted})-[:VERSION_OF]->(n)
}
CALL (n) {
  MATCH (n)-[old]->()
  WHERE old.path IS NOT NULL OR type(old) IN ['IDENTIFIED_BY', 'MENTIONS']
  DELETE old
}
SET n.json = r.json, n.hash = r.hash, n.contentHash = r.contentHash,
    n.versionId = CASE WHEN newVersion THEN coalesce(n.versionId, 0) + 1 ELSE n.versionId END,
    n.lastUpdated = CASE WHEN newVersion THEN toString(datetime.transaction()) ELSE n.lastUpdated END
REMOVE n.placeholder, n.deleted, n.nlpVersion
