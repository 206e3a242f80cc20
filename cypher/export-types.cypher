// Bulk export kick-off: which of the requested resource types $types have nodes in the graph (a label in use), and
// the database's clock, the export's transactionTime (resources changed after it are left out of the export).
// Returns one row: types (sorted), now.
CALL db.labels() YIELD label
WITH label WHERE label IN $types
WITH label ORDER BY label
RETURN collect(label) AS types, toString(datetime.transaction()) AS now
