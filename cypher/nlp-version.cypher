// Write path (GraphWriter): notes whose new analysis found exactly what their stored one did (same content, not
// rewritten) are marked as analyzed by the current analyzer version, so that `caregraph nlp rerun` skips them.
// $rows: [{key, version}]
UNWIND $rows AS r
MATCH (n:Resource {key: r.key})
WHERE n.nlpVersion IS NULL OR n.nlpVersion <> r.version
SET n.nlpVersion = r.version
