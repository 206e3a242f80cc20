// NLP mentions of the given notes, in text order: the concept and the assertion on the MENTIONS relationship.
// $keys ['DocumentReference/id', ...].
UNWIND $keys AS key
MATCH (:Resource {key: key})-[m:MENTIONS]->(k:Concept)
RETURN key, k {.key, .system, .code, .display} AS concept, properties(m) AS mention
ORDER BY key, m.begin, m.end
