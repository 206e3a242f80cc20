// Patient journey, one page: keys of the patient's events of the given labels in (time, key) order, after a cursor.
// $patient 'Patient/id'; $labels resource labels; $from/$to optional bounds on time (from inclusive, to exclusive);
// $afterTime/$afterKey the cursor (null for the first page); $limit page size (+1 to tell whether there is more).
// Times are stored in UTC at fixed width, so string order is time order; an event without a time sorts first.
MATCH (:Resource {key: $patient})<-[:SUBJECT|PATIENT]-(e:$any($labels))
WHERE e.placeholder IS NULL
  AND ($from IS NULL OR e.time >= $from)
  AND ($to IS NULL OR e.time < $to)
WITH e, coalesce(e.time, '') AS t
WHERE $afterKey IS NULL OR t > $afterTime OR (t = $afterTime AND e.key > $afterKey)
RETURN e.key AS key, t AS time
ORDER BY t, e.key
LIMIT $limit
