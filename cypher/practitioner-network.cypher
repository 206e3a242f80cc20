// A practitioner's network: the other practitioners (placeholders excluded) involved with the same patients, each with
// the number of distinct patients shared. Involved = referenced by one of the patient's resources or by the Patient
// resource itself (as in practitioner-patients); only patients and colleagues the caller may see count. Returns id,
// json, sharedPatients; sorted by sharedPatients desc, id.
// $key: 'Practitioner/<id>', $first: how many colleagues
MATCH (pr:Resource {key: $key})
WHERE pr:Practitioner
CALL (pr) {
  MATCH (pr)<--(r:Resource)-[:SUBJECT|PATIENT]->(n:Patient)
  WHERE n.placeholder IS NULL AND n.deleted IS NULL
  RETURN n
  UNION
  MATCH (pr)<--(n:Patient)
  WHERE n.placeholder IS NULL AND n.deleted IS NULL
  RETURN n
}
// @include security/visible
WITH pr, n AS p
CALL (p, pr) {
  MATCH (p)<-[:SUBJECT|PATIENT]-(:Resource)-->(q:Practitioner)
  WHERE q <> pr AND q.placeholder IS NULL AND q.deleted IS NULL
  RETURN q
  UNION
  MATCH (p)-->(q:Practitioner)
  WHERE q <> pr AND q.placeholder IS NULL AND q.deleted IS NULL
  RETURN q
}
WITH q AS n, count(p) AS sharedPatients
// @include security/visible
RETURN n.id AS id, n.resourceType AS type, n.json AS json, n.compartments AS compartments, n.`sp.category` AS categories, sharedPatients
ORDER BY sharedPatients DESC, id
LIMIT $first
