// Step 1 of the write path for content rewritten in place, without a new version (then write-node, and steps 2-5):
// - caregraph reindex ($force = true): every row, content unchanged; what the graph derives beside the JSON (node
//   facts, search values, reference and code relationships, identifiers) is derived again, for data stored by an older
//   CareGraph (a re-import skips unchanged content). NLP mentions stay: they are the note's analysis.
// - NLP re-analysis ($force = false: only rows whose content changed): a note whose server-made analysis extension
//   changed after the lexicon did. The client's content is the same, so this is no new version of the resource; its
//   mentions are replaced (write-mentions).
// $rows as write-resources; only current resources (no placeholders, no tombstones).
CYPHER replan=skip
UNWIND $rows AS r
MATCH (n:Resource {key: r.key})
WHERE n.placeholder IS NULL AND n.deleted IS NULL AND ($force OR n.hash <> r.hash)
WITH n, r, n.hash <> r.hash AS reanalyzed
CALL (n, reanalyzed) {
  MATCH (n)-[old]->()
  WHERE old.path IS NOT NULL OR type(old) = 'IDENTIFIED_BY' OR (reanalyzed AND type(old) = 'MENTIONS')
  DELETE old
}
SET n.json = r.json, n.hash = r.hash, n.contentHash = r.contentHash
