// caregraph backup, later passes: the nodes changed while the graph was being read, read again as backup/nodes.cypher
// reads them; an id that returns no row is a node deleted meanwhile. $ids: element ids.
UNWIND $ids AS id
MATCH (n)
WHERE elementId(n) = id
RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props,
       [(n)-[r]->(m) | {type: type(r), props: properties(r), to: elementId(m)}] AS out
