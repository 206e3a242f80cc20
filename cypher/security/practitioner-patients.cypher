// The patients a practitioner may see with user/ scopes (fhirUser = Practitioner/X): those it is linked to as
// configured in caregraph.security.practitioner-links ($links): 'encounter' (a participant of one of the patient's
// encounters), 'care-team' (a participant of one of the patient's care teams), 'general-practitioner' (named by the
// Patient resource). Directly or through one of its PractitionerRoles. Deleted and placeholder patients are left out.
// $key: 'Practitioner/<id>'. Returns one row: patients (keys).
MATCH (pr:Resource {key: $key})
CALL (pr) {
  MATCH (pr)<-[:PRACTITIONER]-(role:PractitionerRole)
  RETURN role AS who
  UNION
  RETURN pr AS who
}
CALL (who) {
  MATCH (who)<-[r]-(e:Encounter)-[s]->(p:Patient)
  WHERE 'encounter' IN $links AND r.path STARTS WITH 'Encounter.participant' AND s.path = 'Encounter.subject'
  RETURN p
  UNION
  MATCH (who)<-[r]-(c:CareTeam)-[s]->(p:Patient)
  WHERE 'care-team' IN $links AND r.path STARTS WITH 'CareTeam.participant' AND s.path = 'CareTeam.subject'
  RETURN p
  UNION
  MATCH (who)<-[r]-(p:Patient)
  WHERE 'general-practitioner' IN $links AND r.path = 'Patient.generalPractitioner'
  RETURN p
}
WITH DISTINCT p
WHERE p.placeholder IS NULL AND p.deleted IS NULL
RETURN collect(p.key) AS patients
