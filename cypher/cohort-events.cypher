// Cohorts: the patients with an event whose own concept is one of $keys. Returns key (Patient key) and times (the
// ISO times of the patient's matching events when $times, else null), one row per patient.
// $keys: concept keys; $labels: resource labels of the event type; $paths: FHIRPaths (CODED.path) of the event's
// own concept; $from, $to: ISO dateTimes bounding the event time (from inclusive, to exclusive), null: unbounded.
// $values: whether a numeric value must match too: some i with valueKeys[i] in $keys, valueNumbers[i] within
// [$min, $max] (null: unbounded) and valueUnits[i] = $unit (null: any unit).
MATCH (d:Concept)
WHERE d.key IN $keys
MATCH (d)<-[r:CODED]-(e:$any($labels))
WHERE r.path IN $paths AND e.placeholder IS NULL
  AND ($from IS NULL OR datetime(e.time) >= datetime($from))
  AND ($to IS NULL OR datetime(e.time) < datetime($to))
  AND (NOT $values OR any(i IN range(0, size(coalesce(e.valueKeys, [])) - 1)
       WHERE e.valueKeys[i] IN $keys AND ($unit IS NULL OR e.valueUnits[i] = $unit)
         AND ($min IS NULL OR e.valueNumbers[i] >= $min) AND ($max IS NULL OR e.valueNumbers[i] <= $max)))
MATCH (e)-[:SUBJECT|PATIENT]->(p:Patient)
WHERE p.placeholder IS NULL
WITH p, CASE WHEN $times THEN collect(e.time) END AS times
RETURN p.key AS key, times
