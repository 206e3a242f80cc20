// Clinical events for journeys, from one of three sources (the others' parameters are null; $labels is always given):
//  - $patient 'Patient/id': the patient's events (subject or patient) of $labels, from $from (inclusive) to $to
//    (exclusive), after the cursor ($afterTime, $afterKey), at most $limit of them;
//  - $keys ['Type/id', ...]: those events (e.g. the encounters other events name);
//  - $encounters ['Encounter/id', ...]: the events of $labels that name each encounter (`of` says which).
// Rows are in (time, key) order; times are stored in UTC at fixed width, so string order is time order, and an event
// without a time sorts first. Each row carries the node's facts (its codings, measured values and the encounter it
// names, as written; see write-resources): one round trip per page, no traversal per event.
// The sources are disjoint (only one is given), hence UNION ALL. Only events the caller may see are read.
CALL () {
  MATCH (:Resource {key: $patient})<-[:SUBJECT|PATIENT]-(e:$any($labels))
  WHERE ($from IS NULL OR e.time >= $from) AND ($to IS NULL OR e.time < $to)
    AND ($afterKey IS NULL OR coalesce(e.time, '') > $afterTime
         OR (coalesce(e.time, '') = $afterTime AND e.key > $afterKey))
  RETURN e, null AS of
  UNION ALL
  UNWIND coalesce($keys, []) AS key
  MATCH (e:Resource {key: key})
  RETURN e, null AS of
  UNION ALL
  UNWIND coalesce($encounters, []) AS of
  MATCH (:Resource {key: of})<-[:ENCOUNTER]-(e:$any($labels))
  RETURN e, of
}
WITH e AS n, of
WHERE n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
WITH n AS e, of
ORDER BY coalesce(e.time, ''), e.key
LIMIT $limit
RETURN e.key AS key, e.id AS id, e.resourceType AS resourceType, e.time AS time, e.end AS end, e.status AS status,
       e.valueKeys AS valueKeys, e.valueNumbers AS valueNumbers, e.valueUnits AS valueUnits,
       e.codingPaths AS codingPaths, e.codingKeys AS codingKeys, e.codingDisplays AS codingDisplays, of,
       e.encounter AS encounter
