// Write path step 2b: a conditional or logical reference (Practitioner?identifier=system|value) that no stored
// resource answers yet: its placeholder stands for the identifier, so the real resource adopts it on arrival
// (adopt-placeholders.cypher). $refs: [{key, ident}]
CYPHER replan=skip
UNWIND $refs AS ref
MATCH (t:Resource {key: ref.key})
WHERE t.placeholder
MERGE (i:Identifier {key: ref.ident})
MERGE (t)-[:STANDS_FOR]->(i)
