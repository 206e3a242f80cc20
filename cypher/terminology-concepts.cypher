// Terminology loaders: concepts of a loaded terminology file merged into the shared Concept nodes (key 'system|code').
// The terminology's preferred term becomes `display`; `synonyms` is the union of what the node already had, the
// file's other terms and the display it had before (the name the FHIR data used stays findable), minus the display.
// Union, not replace: a re-load is idempotent and never drops names other sources (data, curated lists) added.
// $rows: [{key, system, code, display, synonyms: [string], active: boolean, semanticTag, termType}] (distinct keys)
// Returns one row: created, updated, unchanged.
CYPHER replan=skip
UNWIND $rows AS c
OPTIONAL MATCH (old:Concept {key: c.key})
WITH c, old IS NULL AS created, old.display AS oldDisplay, coalesce(old.synonyms, []) AS oldSynonyms,
     [coalesce(old.display, ''), coalesce(old.synonyms, []), coalesce(old.active, 'unset'),
      coalesce(old.semanticTag, ''), coalesce(old.termType, '')] AS before
WITH c, created, before,
     reduce(acc = [], s IN oldSynonyms + c.synonyms + CASE WHEN oldDisplay IS NULL THEN [] ELSE [oldDisplay] END |
       CASE WHEN s = c.display OR s IN acc THEN acc ELSE acc + s END) AS synonyms
WITH c, created, before, synonyms,
     [c.display, synonyms, coalesce(c.active, 'unset'), coalesce(c.semanticTag, ''), coalesce(c.termType, '')] AS after
CALL (c, synonyms, before, after) {
  WITH * WHERE before <> after
  MERGE (k:Concept {key: c.key})
    ON CREATE SET k.system = c.system, k.code = c.code
  SET k.display = c.display,
      k.synonyms = CASE WHEN size(synonyms) = 0 THEN null ELSE synonyms END,
      k.active = c.active, k.semanticTag = c.semanticTag, k.termType = c.termType
}
RETURN count(CASE WHEN created THEN 1 END) AS created,
       count(CASE WHEN NOT created AND before <> after THEN 1 END) AS updated,
       count(CASE WHEN before = after THEN 1 END) AS unchanged
