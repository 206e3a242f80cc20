// After an NLP re-run: the text concepts (system http://caregraph.org/fhir/CodeSystem/nlp-text, made for mentions that
// link to no terminology concept) that no mention points to any more, because a better lexicon now links those words.
MATCH (k:Concept {system: 'http://caregraph.org/fhir/CodeSystem/nlp-text'})
WHERE NOT (k)--()
DETACH DELETE k
RETURN count(*) AS pruned
