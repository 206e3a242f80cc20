// caregraph restore (GraphWriter.finishRestore): the restored nodes lose their backup ids, $limit at a time (the
// caller repeats until none is left).
MATCH (n:CareGraphRestore)
WITH n LIMIT $limit
REMOVE n:CareGraphRestore, n.restoreId
RETURN count(n) AS done
