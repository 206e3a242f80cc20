// Inputs of the API benchmark (caregraph bench-api), chosen from the loaded graph rather than hard-coded:
// every patient id in key order (the bench samples them evenly), their mean number of events (resources whose subject
// or patient they are: the size of a full journey), and the condition code most patients have (the largest cohort a
// pathway or cohort query can start from), and the observation code most patients have (for FHIR searches).
MATCH (p:Patient)
WHERE p.placeholder IS NULL AND p.deleted IS NULL
WITH p ORDER BY p.key
WITH collect(p.id) AS patients, avg(COUNT { (p)<-[:SUBJECT|PATIENT]-() }) AS meanEvents
CALL () {
  MATCH (k:Concept)<-[:CODED {path: 'Condition.code'}]-(:Condition)-[:SUBJECT]->(p:Patient)
  WITH k, count(DISTINCT p) AS n
  ORDER BY n DESC, k.key
  LIMIT 1
  RETURN k.system AS system, k.code AS code, k.display AS display, n AS conditionPatients
}
CALL () {
  MATCH (k:Concept)<-[:CODED {path: 'Observation.code'}]-(o:Observation)
  WITH k, count(o) AS n
  ORDER BY n DESC, k.key
  LIMIT 1
  RETURN k.system AS observationSystem, k.code AS observationCode
}
RETURN patients, meanEvents, system, code, display, conditionPatients, observationSystem, observationCode
