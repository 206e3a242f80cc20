// Similar patients, the profiles: every patient (placeholders excluded) with its stored JSON and the distinct concepts
// of its events of the chosen kinds (the event's own concept: Condition.code, MedicationRequest.medication, ...).
// Patients without such events come with an empty list: they count in N, the population the IDF is taken over.
// Returns id, json, concepts [{key, system, code, display}].
// $labels: event resource labels (EventType.labels), $paths: FHIRPaths of the events' own concept (EventType.codePaths)
MATCH (p:Patient)
WHERE p.placeholder IS NULL AND p.deleted IS NULL
RETURN p.id AS id, p.resourceType AS type, p.json AS json, p.compartments AS compartments, p.`sp.category` AS categories,
       COLLECT {
  MATCH (p)<-[:SUBJECT|PATIENT]-(e:$any($labels))-[c:CODED]->(k:Concept)
  WHERE c.path IN $paths
  RETURN DISTINCT k {.key, .system, .code, .display}
} AS concepts
