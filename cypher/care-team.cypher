// Care team of a patient: one row per practitioner, organization or practitioner role (placeholders excluded) that
// the patient's resources, or the Patient resource itself (generalPractitioner, managingOrganization), reference.
// Returns resourceType, id, json of the member; refs [{type, path, careTeam}] one per reference (type and FHIRPath of
// the relationship; careTeam the CareTeam JSON for CareTeam participants, whose roles are read from it); idents, the
// member's identifier keys (Type|system|value, to match a CareTeam's conditional member reference); resources, the
// distinct referencing resources; encounters, the patient's distinct encounters that reference the member or hold a
// resource that does; first and last, the stored times (earliest, latest) of the referencing resources, the Patient's
// own birth date left out. Sorted by resources desc, then id and resourceType. No rows for an unknown patient.
// Only what the caller may see is read: the patient, its resources, the members.
// $key: 'Patient/<id>'
MATCH (n:Resource {key: $key})
WHERE n:Patient AND n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
WITH n AS p
CALL (p) {
  MATCH (p)<-[:SUBJECT|PATIENT]-(n:Resource)
  // @include security/visible
  RETURN n AS r
  UNION
  RETURN p AS r
}
MATCH (r)-[rel]->(n:Practitioner|Organization|PractitionerRole)
WHERE n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
WITH p, r, rel, n AS m
WITH p, m, collect({type: type(rel), path: rel.path,
                    careTeam: CASE WHEN r:CareTeam AND type(rel) = 'PARTICIPANT' THEN r.json END}) AS refs,
     collect(DISTINCT r) AS rs
WITH p, m, refs, rs, [r IN rs WHERE r <> p AND r.time IS NOT NULL] AS timed
RETURN m.resourceType AS resourceType, m.resourceType AS type, m.id AS id, m.json AS json, m.compartments AS compartments,
       m.`sp.category` AS categories, refs,
       [(m)-[:IDENTIFIED_BY]->(i:Identifier) | i.key] AS idents,
       size(rs) AS resources,
       size(COLLECT {
         UNWIND rs AS r
         OPTIONAL MATCH (r)-[:ENCOUNTER]->(e:Encounter)
         WITH CASE WHEN r:Encounter THEN r ELSE e END AS encounter
         WHERE encounter IS NOT NULL
         RETURN DISTINCT encounter
       }) AS encounters,
       COLLECT { UNWIND timed AS r RETURN r.time ORDER BY datetime(r.time) ASC LIMIT 1 }[0] AS first,
       COLLECT { UNWIND timed AS r RETURN r.time ORDER BY datetime(r.time) DESC LIMIT 1 }[0] AS last
ORDER BY resources DESC, id, resourceType
