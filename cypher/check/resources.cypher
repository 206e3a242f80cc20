// caregraph check: a page of resource nodes (current, deleted, placeholders) in key order after $after, each with what
// the check compares with its stored JSON:
//   refs        relationships carrying a path (references, CODED), with the end's key and the identifiers the end
//               holds or stands for (a conditional reference may end at any resource holding its identifier)
//   other       the types of its other outgoing relationships (IDENTIFIED_BY, STANDS_FOR, MENTIONS, NEXT, ...)
//   identifiers its IDENTIFIED_BY identifiers; standsFor: a placeholder's STANDS_FOR identifiers
//   adoptable   for a placeholder: real resources holding an identifier it stands for (it should have been adopted)
//   versions    its Version nodes; referencedBy: for a placeholder, how many references end at it
MATCH (n:Resource)
WHERE n.key > $after
WITH n ORDER BY n.key LIMIT $limit
RETURN n.key AS key, labels(n) AS labels, properties(n) AS props,
       [(n)-[r]->(m) WHERE r.path IS NOT NULL | {type: type(r), path: r.path, to: m.key,
         idents: [(m)-[:IDENTIFIED_BY|STANDS_FOR]->(i) | i.key]}] AS refs,
       [(n)-[r]->() WHERE r.path IS NULL | type(r)] AS other,
       [(n)-[:IDENTIFIED_BY]->(i) | i.key] AS identifiers,
       [(n)-[:STANDS_FOR]->(i) | i.key] AS standsFor,
       CASE WHEN n.placeholder THEN [(n)-[:STANDS_FOR]->(:Identifier)<-[:IDENTIFIED_BY]-(h) | h.key] ELSE [] END AS adoptable,
       [(n)<-[:VERSION_OF]-(v) | {key: v.key, versionId: v.versionId, lastUpdated: v.lastUpdated, json: v.json,
         deleted: v.deleted, of: COUNT { (v)-[:VERSION_OF]->() }}] AS versions,
       CASE WHEN n.placeholder THEN COUNT { (n)<-[r]-() WHERE r.path IS NOT NULL } ELSE null END AS referencedBy
