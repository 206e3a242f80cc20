// How many distinct patients (placeholders excluded) each practitioner is involved with: patients whose resources
// reference the practitioner, or whose Patient resource does (generalPractitioner); only patients the caller may see.
// Returns key, patients. $keys: practitioner keys ('Practitioner/<id>')
UNWIND $keys AS key
MATCH (pr:Resource {key: key})
WHERE pr:Practitioner
RETURN key, size(COLLECT {
  MATCH (pr)<--(r:Resource)-[:SUBJECT|PATIENT]->(n:Patient)
  WHERE n.placeholder IS NULL AND n.deleted IS NULL
  // @include security/visible
  RETURN n
  UNION
  MATCH (pr)<--(n:Patient)
  WHERE n.placeholder IS NULL AND n.deleted IS NULL
  // @include security/visible
  RETURN n
}) AS patients
