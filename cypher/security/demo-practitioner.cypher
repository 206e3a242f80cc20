// serve --demo: the practitioner who took part in encounters of the most patients, which the demo user is bound to.
// Returns key, patients (at most one row).
MATCH (pr:Practitioner)<-[r]-(e:Encounter)-[s]->(p:Patient)
WHERE pr.placeholder IS NULL AND r.path STARTS WITH 'Encounter.participant' AND s.path = 'Encounter.subject'
  AND p.placeholder IS NULL AND p.deleted IS NULL
RETURN pr.key AS key, count(DISTINCT p) AS patients
ORDER BY patients DESC, key
LIMIT 1
