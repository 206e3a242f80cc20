// Cohorts: every patient (what NOT takes its complement in). Returns key (Patient key).
MATCH (p:Patient)
WHERE p.placeholder IS NULL AND p.deleted IS NULL
RETURN p.key AS key
