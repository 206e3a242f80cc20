// caregraph restore (GraphWriter.restoreRelationships): relationships between restored nodes, found by their backup
// ids. $rows: [{from, to, type, props}]; returns how many were created (fewer: an end is missing from the backup).
UNWIND $rows AS r
MATCH (a:CareGraphRestore {restoreId: r.from})
MATCH (b:CareGraphRestore {restoreId: r.to})
CREATE (a)-[x:$(r.type)]->(b)
SET x = r.props
RETURN count(x) AS created
