// Conditional and logical references (Practitioner?identifier=system|value, as Synthea emits): which stored
// resource has the identifier? A real resource wins over a placeholder standing in for it; among several real ones
// (an ambiguous identifier) the smallest key, so that the answer does not depend on load order.
CYPHER replan=skip
UNWIND $idents AS ident
MATCH (i:Identifier {key: ident})
USING INDEX i:Identifier(key)
WITH ident, i,
     COLLECT { MATCH (i)<-[:IDENTIFIED_BY]-(n:Resource) RETURN n.key AS key ORDER BY key LIMIT 1 } AS real,
     COLLECT { MATCH (i)<-[:STANDS_FOR]-(p:Resource) RETURN p.key AS key LIMIT 1 } AS standIn
RETURN ident, coalesce(head(real), head(standIn)) AS key
