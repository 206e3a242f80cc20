// Cohorts: the patients with an event whose own concept is one of the named concepts, or with a note mentioning
// one. Returns key (Patient key) and times (the ISO times of the patient's matching events when $times, else null),
// one row per patient.
// $concepts: [{system, code}], a null system naming the code in any system; $descendants: also every concept below
// one of them through IS_A (any depth). $labels: resource labels of the events.
// $relationship: 'CODED' (the event's concept, at FHIRPaths $paths) or 'MENTIONS' (an NLP mention in a note; only
// affirmed ones — not negated, certainty null or 'certain', experiencer null or 'patient' — unless $negated,
// $uncertain, $otherExperiencer widen that).
// $from, $to: ISO dateTimes bounding the event time (from inclusive, to exclusive), null: unbounded.
// $values: whether a numeric value must match too: some i with valueKeys[i] one of the concepts, valueNumbers[i]
// within [$min, $max] (null: unbounded) and valueUnits[i] = $unit (null: any unit).
UNWIND $concepts AS c
MATCH (k:Concept {code: c.code})
WHERE c.system IS NULL OR k.system = c.system
CALL (k) {
  RETURN k AS d
  UNION
  MATCH (d:Concept)-[:IS_A*1..]->(k)
  WHERE $descendants
  RETURN d
}
WITH collect(DISTINCT d) AS concepts
WITH concepts, [d IN concepts | d.key] AS keys
UNWIND concepts AS d
MATCH (d)<-[r:$($relationship)]-(e:$any($labels))
WHERE e.placeholder IS NULL AND e.deleted IS NULL
  AND CASE $relationship
        WHEN 'CODED' THEN r.path IN $paths
        ELSE ($negated OR coalesce(r.negated, false) = false)
          AND ($uncertain OR r.certainty IS NULL OR r.certainty = 'certain')
          AND ($otherExperiencer OR r.experiencer IS NULL OR r.experiencer = 'patient')
      END
  AND ($from IS NULL OR datetime(e.time) >= datetime($from))
  AND ($to IS NULL OR datetime(e.time) < datetime($to))
  AND (NOT $values OR any(i IN range(0, size(coalesce(e.valueKeys, [])) - 1)
       WHERE e.valueKeys[i] IN keys AND ($unit IS NULL OR e.valueUnits[i] = $unit)
         AND ($min IS NULL OR e.valueNumbers[i] >= $min) AND ($max IS NULL OR e.valueNumbers[i] <= $max)))
MATCH (e)-[:SUBJECT|PATIENT]->(p:Patient)
WHERE p.placeholder IS NULL AND p.deleted IS NULL
WITH p, CASE WHEN $times THEN collect(e.time) END AS times
RETURN p.key AS key, times
