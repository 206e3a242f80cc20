// SQL store, table encounter_chain: each patient's encounters in journey order (FIRST_ENCOUNTER, then NEXT), for
// the patients $patients (keys), or every patient when $patients is null. A deleted patient has no rows.
// Returns patient (id), position (0 = first), encounter (id), start and end (the encounter's stored times),
// ordered by patient and position.
CALL () {
  WITH $patients AS keys WHERE keys IS NOT NULL
  UNWIND keys AS key
  MATCH (p:Resource {key: key})
  RETURN p
  UNION
  WITH $patients AS keys WHERE keys IS NULL
  MATCH (p:Patient)
  RETURN p
}
WITH p WHERE p:Patient AND p.placeholder IS NULL AND p.deleted IS NULL
MATCH (p)-[:FIRST_ENCOUNTER]->(first)
MATCH chain = (first)-[:NEXT*0..]->(e)
RETURN p.id AS patient, length(chain) AS position, e.id AS encounter, e.time AS start, e.end AS end
ORDER BY patient, position
