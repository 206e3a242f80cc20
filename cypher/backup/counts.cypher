// caregraph backup and restore: nodes per label and relationships per type, to compare a restored graph with its backup.
CALL () {
  MATCH (n)
  UNWIND labels(n) AS name
  RETURN 'label' AS kind, name, count(*) AS count
  UNION ALL
  MATCH ()-[r]->()
  RETURN 'relationship' AS kind, type(r) AS name, count(*) AS count
}
RETURN kind, name, count
