// Write path step 5 (GraphWriter, in the note's transaction): what NLP found in new or changed notes. The note's old
// MENTIONS went with its old content (write-resources); the Concepts exist (write-codes ran with them first).
// $rows: [{key: note key, version: analyzer version or null (failed: the note is re-run later),
//          mentions: [{concept: Concept key, props: {begin, end, text, category, type, score, negated, certainty,
//                      experiencer, temporality, section, trait, source}}],
//          derived: [keys of the resources derived from the note, already written in this transaction]}].
// Marks each derived resource with the note it came from (nlpNote) and returns, per note, the keys of the current
// resources derived from it earlier that this analysis no longer yields (stale); the writer deletes those.
CYPHER replan=skip
UNWIND $rows AS r
MATCH (n:Resource {key: r.key})
SET n.nlpVersion = r.version
WITH n, r
CALL (n, r) {
  UNWIND r.mentions AS m
  MATCH (k:Concept {key: m.concept})
  CREATE (n)-[x:MENTIONS]->(k)
  SET x = m.props
}
CALL (n, r) {
  UNWIND r.derived AS d
  MATCH (x:Resource {key: d})
  SET x.nlpNote = n.key
}
RETURN n.key AS key, COLLECT {
  MATCH (x:Resource {nlpNote: n.key})
  WHERE x.deleted IS NULL AND NOT x.key IN r.derived
  RETURN x.key
} AS stale
