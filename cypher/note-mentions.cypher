// NLP mentions of the given notes, in text order: the concept and the assertion on the MENTIONS relationship.
// $keys ['DocumentReference/id', ...]; only notes the caller may see.
UNWIND $keys AS key
MATCH (n:Resource {key: key})
// @include security/visible
MATCH (n)-[m:MENTIONS]->(k:Concept)
RETURN key, k {.key, .system, .code, .display} AS concept, properties(m) AS mention
ORDER BY key, m.begin, m.end
