// Cohorts: the patients of administrative gender $gender (FHIR code). Returns key (Patient key).
MATCH (p:Patient)
WHERE p.placeholder IS NULL AND p.deleted IS NULL AND p.gender = $gender
RETURN p.key AS key
