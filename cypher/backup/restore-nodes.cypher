// caregraph restore (GraphWriter.restoreNodes): nodes of a backup as they were, every label and property, marked with
// their backup id until the restore ends. $rows: [{id, labels, props}]
UNWIND $rows AS r
CREATE (n:CareGraphRestore {restoreId: r.id})
SET n += r.props
SET n:$(r.labels)
RETURN count(n) AS created
