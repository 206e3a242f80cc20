// Cohorts: the patients with a note (DocumentReference about them) whose NLP mentions name one of $keys. Returns key
// (Patient key), distinct. By default only affirmed mentions count: not negated, certainty null or 'certain',
// experiencer null or 'patient'; $negated, $uncertain, $otherExperiencer (booleans) each widen that.
MATCH (d:Concept)
WHERE d.key IN $keys
MATCH (d)<-[m:MENTIONS]-(doc:DocumentReference)-[:SUBJECT]->(p:Patient)
WHERE doc.placeholder IS NULL AND p.placeholder IS NULL
  AND ($negated OR coalesce(m.negated, false) = false)
  AND ($uncertain OR m.certainty IS NULL OR m.certainty = 'certain')
  AND ($otherExperiencer OR m.experiencer IS NULL OR m.experiencer = 'patient')
RETURN DISTINCT p.key AS key
