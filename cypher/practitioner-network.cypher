// A practitioner's network: the other practitioners (placeholders excluded) involved with the same patients, each with
// the number of distinct patients shared. Involved = referenced by one of the patient's resources or by the Patient
// resource itself (as in practitioner-patients). Returns id, json, sharedPatients; sorted by sharedPatients desc, id.
// $key: 'Practitioner/<id>', $first: how many colleagues
MATCH (pr:Resource {key: $key})
WHERE pr:Practitioner
CALL (pr) {
  MATCH (pr)<--(r:Resource)-[:SUBJECT|PATIENT]->(p:Patient)
  WHERE p.placeholder IS NULL AND p.deleted IS NULL
  RETURN p
  UNION
  MATCH (pr)<--(p:Patient)
  WHERE p.placeholder IS NULL AND p.deleted IS NULL
  RETURN p
}
CALL (p, pr) {
  MATCH (p)<-[:SUBJECT|PATIENT]-(:Resource)-->(q:Practitioner)
  WHERE q <> pr AND q.placeholder IS NULL AND q.deleted IS NULL
  RETURN q
  UNION
  MATCH (p)-->(q:Practitioner)
  WHERE q <> pr AND q.placeholder IS NULL AND q.deleted IS NULL
  RETURN q
}
WITH q, count(p) AS sharedPatients
RETURN q.id AS id, q.json AS json, sharedPatients
ORDER BY sharedPatients DESC, id
LIMIT $first
