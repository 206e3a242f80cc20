// caregraph backup: every node of every label (resources with their versions and tombstones, placeholders, concepts,
// identifiers, users, clients, ...) with all its properties and its outgoing relationships, each with its type,
// properties and end node. Ids are element ids, which join a relationship to its end node within the backup only.
MATCH (n)
RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props,
       [(n)-[r]->(m) | {type: type(r), props: properties(r), to: elementId(m)}] AS out
