// caregraph restore: nodes are created with the id they had in the backup (restoreId, on a temporary label) so that
// relationships can find their ends by index; both go when the restore ends (backup/restore-finish.cypher).
CREATE CONSTRAINT caregraph_restore_id IF NOT EXISTS FOR (n:CareGraphRestore) REQUIRE n.restoreId IS UNIQUE;
CALL db.awaitIndexes(300);
