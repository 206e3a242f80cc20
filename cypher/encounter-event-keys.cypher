// The events that name each of the given encounters, in (time, key) order. $encounters ['Encounter/id', ...],
// $labels resource labels of the event kinds asked for.
UNWIND $encounters AS ek
MATCH (:Resource {key: ek})<-[:ENCOUNTER]-(e:$any($labels))
WHERE e.placeholder IS NULL
RETURN ek AS encounter, e.key AS key
ORDER BY ek, coalesce(e.time, ''), e.key
