// concepts(search:): the concepts a picker offers (the UI's index concepts, cohort codes). A concept matches when its
// display or one of its synonyms contains $text (lower case) or its code is $code; it is offered only when events
// are coded with it on one of $paths (the events' own concepts) or, with $mentions, when notes mention it; $first
// concepts, the most used first, then by key.
MATCH (k:Concept)
WHERE toLower(coalesce(k.display, '')) CONTAINS $text OR k.code = $code
   OR any(s IN coalesce(k.synonyms, []) WHERE toLower(s) CONTAINS $text)
CALL (k) {
  MATCH (k)<-[r:CODED|MENTIONS]-(e:Resource)
  WHERE e.placeholder IS NULL AND e.deleted IS NULL
    AND CASE WHEN $mentions THEN type(r) = 'MENTIONS' ELSE type(r) = 'CODED' AND r.path IN $paths END
  RETURN count(e) AS uses
}
WITH k, uses
WHERE uses > 0
RETURN k.key AS key, k.system AS system, k.code AS code, k.display AS display, uses
ORDER BY uses DESC, key
LIMIT $first
