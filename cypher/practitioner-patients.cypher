// How many distinct patients (placeholders excluded) each practitioner is involved with: patients whose resources
// reference the practitioner, or whose Patient resource does (generalPractitioner).
// Returns key, patients. $keys: practitioner keys ('Practitioner/<id>')
UNWIND $keys AS key
MATCH (pr:Resource {key: key})
WHERE pr:Practitioner
RETURN key, size(COLLECT {
  MATCH (pr)<--(r:Resource)-[:SUBJECT|PATIENT]->(p:Patient)
  WHERE p.placeholder IS NULL AND p.deleted IS NULL
  RETURN p
  UNION
  MATCH (pr)<--(p:Patient)
  WHERE p.placeholder IS NULL AND p.deleted IS NULL
  RETURN p
}) AS patients
