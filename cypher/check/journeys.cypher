// caregraph check: a page of current patients after $after in key order, each with its encounters (as link-journeys
// chains them: encounters whose SUBJECT is the patient) with their times, its FIRST_ENCOUNTER, and the NEXT links
// leaving those encounters; journeyDirty: relinking is still to come (the writer marked it).
MATCH (p:Patient)
WHERE p.key > $after AND p.placeholder IS NULL AND p.deleted IS NULL
WITH p ORDER BY p.key LIMIT $limit
RETURN p.key AS key, coalesce(p.journeyDirty, false) AS dirty,
       [(p)<-[:SUBJECT]-(e:Encounter) | {key: e.key, time: e.time}] AS encounters,
       [(p)-[:FIRST_ENCOUNTER]->(f) | f.key] AS first,
       [(p)<-[:SUBJECT]-(e:Encounter)-[:NEXT]->(x) | {from: e.key, to: x.key}] AS next
