// Clinical pathways: per patient with an index event, the index event and the first following events in time order.
// The index event is the patient's earliest event whose own concept (CODED on one of $startPaths) is a start concept;
// a following event is one of $labels, coded on one of $paths with a concept other than the start concepts, strictly
// after the index time and at most $windowDays days after it. Each concept counts once, at its first occurrence;
// concepts are ordered by that time, then by key, and the first $steps are returned.
// Parameters: $keys (start concept keys 'system|code'), $codes (start codes in any system), $startPaths, $labels,
// $paths, $windowDays, $steps; $patients: the patient keys the cohort is confined to (a cohort's members), null for all.
// Returns one row per patient: patient (key), index {key, system, code, display, type, at (epoch ms)} and
// path [{key, system, code, display, type, at}] (possibly empty).
MATCH (k:Concept)
WHERE k.key IN $keys OR k.code IN $codes
WITH collect(k) AS starts
UNWIND starts AS k
MATCH (k)<-[c:CODED]-(e:Resource)-[:SUBJECT|PATIENT]->(p:Patient)
WHERE c.path IN $startPaths AND e.placeholder IS NULL AND e.deleted IS NULL AND e.time IS NOT NULL AND p.placeholder IS NULL AND p.deleted IS NULL
  AND ($patients IS NULL OR p.key IN $patients)
// Instants as epoch milliseconds: datetimes of the same instant with other offsets do not compare as equal.
WITH starts, p, k, e, datetime(e.time) AS t
ORDER BY t.epochMillis, k.key, e.resourceType
WITH starts, p, head(collect({k: k, type: e.resourceType, t: t, at: t.epochMillis})) AS index
// Dates bounding the window as text, wide enough for any offset: comparing the stored strings first spares parsing
// the times of events far outside the window (the exact test follows). Partial dates (shorter) are always parsed;
// past year 9999 the bound is '99999', above every four-digit year.
WITH starts, p, index, date(index.t) + duration({days: $windowDays + 3}) AS last
WITH starts, p, index {.*, from: toString(date(index.t) - duration({days: 2})),
                           to: CASE WHEN last.year > 9999 THEN '99999' ELSE toString(last) END} AS index
CALL (starts, p, index) {
  MATCH (p)<-[:SUBJECT|PATIENT]-(f:$any($labels))
  WHERE f.placeholder IS NULL AND f.deleted IS NULL AND (f.time >= index.from AND f.time < index.to OR size(f.time) < 10)
  WITH f, datetime(f.time).epochMillis AS at
  WHERE at > index.at AND at <= index.at + $windowDays * 86400000
  // only the events in the window are expanded to their concepts
  MATCH (f)-[c:CODED]->(k:Concept)
  WHERE c.path IN $paths AND NOT k IN starts
  WITH k, f, at
  ORDER BY at, f.resourceType
  WITH k, head(collect({type: f.resourceType, at: at})) AS first
  ORDER BY first.at, k.key
  LIMIT $steps
  RETURN collect({key: k.key, system: k.system, code: k.code, display: k.display, type: first.type,
                  at: first.at}) AS path
}
RETURN p.key AS patient,
       {key: index.k.key, system: index.k.system, code: index.k.code, display: index.k.display, type: index.type,
        at: index.at} AS index,
       path
ORDER BY patient
