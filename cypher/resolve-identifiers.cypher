// Conditional references (Practitioner?identifier=system|value, as Synthea emits): which stored resource has the
// identifier? A real resource wins over a placeholder.
UNWIND $idents AS ident
MATCH (:Identifier {key: ident})<-[:IDENTIFIED_BY]-(n:Resource)
WITH ident, n ORDER BY n.placeholder IS NULL DESC
RETURN ident, head(collect(n.key)) AS key
