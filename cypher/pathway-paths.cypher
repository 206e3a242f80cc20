// Clinical pathways: per patient with an index event, the index event and the first following events in time order.
// The index event is the patient's earliest event whose own concept (CODED on one of $startPaths) is a start concept;
// a following event is one of $labels, coded on one of $paths with a concept other than the start concepts, strictly
// after the index time and at most $windowDays days after it. Each concept counts once, at its first occurrence;
// concepts are ordered by that time, then by key, and the first $steps are returned.
// Parameters: $keys (start concept keys 'system|code'), $codes (start codes in any system), $startPaths, $labels,
// $paths, $windowDays, $steps.
// Returns one row per patient: patient (key), index {key, system, code, display, type, at (epoch ms)} and
// path [{key, system, code, display, type, at}] (possibly empty).
MATCH (k:Concept)
WHERE k.key IN $keys OR k.code IN $codes
WITH collect(k) AS starts
UNWIND starts AS k
MATCH (k)<-[c:CODED]-(e:Resource)-[:SUBJECT|PATIENT]->(p:Patient)
WHERE c.path IN $startPaths AND e.placeholder IS NULL AND e.time IS NOT NULL AND p.placeholder IS NULL
WITH starts, p, k, e, datetime(e.time) AS t
ORDER BY t, k.key, e.resourceType
WITH starts, p, head(collect({k: k, type: e.resourceType, t: t})) AS index
CALL (starts, p, index) {
  MATCH (p)<-[:SUBJECT|PATIENT]-(f:$any($labels))-[c:CODED]->(k:Concept)
  WHERE c.path IN $paths AND f.placeholder IS NULL AND f.time IS NOT NULL AND NOT k IN starts
  WITH k, f, datetime(f.time) AS t
  WHERE t > index.t AND t <= index.t + duration({days: $windowDays})
  WITH k, f, t
  ORDER BY t, f.resourceType
  WITH k, head(collect({type: f.resourceType, t: t})) AS first
  ORDER BY first.t, k.key
  LIMIT $steps
  RETURN collect({key: k.key, system: k.system, code: k.code, display: k.display, type: first.type,
                  at: first.t.epochMillis}) AS path
}
RETURN p.key AS patient,
       {key: index.k.key, system: index.k.system, code: index.k.code, display: index.k.display, type: index.type,
        at: index.t.epochMillis} AS index,
       path
ORDER BY patient
