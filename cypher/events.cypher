// Clinical events for journeys, from one of three sources (the others' parameters are null):
//  - $patient 'Patient/id': the patient's events (subject or patient) of $labels, from $from (inclusive) to $to
//    (exclusive), after the cursor ($afterTime, $afterKey), at most $limit of them;
//  - $keys ['Type/id', ...]: those events (e.g. the encounters other events name);
//  - $encounters ['Encounter/id', ...]: the events of $labels that name each encounter (`of` says which).
// Rows are in (time, key) order; times are stored in UTC at fixed width, so string order is time order, and an event
// without a time sorts first. Each row carries the node's facts, the event's own concepts (codings at $paths, the
// EventType code paths), the encounter it names and the concepts of its measured values: one round trip per page.
CALL () {
  MATCH (:Resource {key: $patient})<-[:SUBJECT|PATIENT]-(e:$any($labels))
  WHERE ($from IS NULL OR e.time >= $from) AND ($to IS NULL OR e.time < $to)
    AND ($afterKey IS NULL OR coalesce(e.time, '') > $afterTime
         OR (coalesce(e.time, '') = $afterTime AND e.key > $afterKey))
  RETURN e, null AS of
  UNION
  UNWIND coalesce($keys, []) AS key
  MATCH (e:Resource {key: key})
  RETURN e, null AS of
  UNION
  UNWIND coalesce($encounters, []) AS of
  MATCH (:Resource {key: of})<-[:ENCOUNTER]-(e:$any($labels))
  RETURN e, of
}
WITH e, of
WHERE e.placeholder IS NULL
WITH e, of
ORDER BY coalesce(e.time, ''), e.key
LIMIT $limit
RETURN e.key AS key, e.id AS id, e.resourceType AS resourceType, e.time AS time, e.end AS end, e.status AS status,
       e.valueKeys AS valueKeys, e.valueNumbers AS valueNumbers, e.valueUnits AS valueUnits, of,
       COLLECT {
         MATCH (e)-[c:CODED]->(k:Concept) WHERE c.path IN $paths
         RETURN k {.key, .system, .code, .display}
       } AS concepts,
       COLLECT { MATCH (e)-[:ENCOUNTER]->(enc:Encounter) RETURN enc.key }[0] AS encounter,
       COLLECT { MATCH (k:Concept) WHERE k.key IN e.valueKeys RETURN k {.key, .system, .code, .display} } AS valueConcepts
