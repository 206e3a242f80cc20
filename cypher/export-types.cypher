// Bulk export kick-off: which of the requested resource types $types have nodes in the graph (a label in use), and
// the database's clock, the export's transactionTime (resources changed after it are left out of the export).
// Returns one row, also when no type is present: types (sorted), now.
RETURN COLLECT { CALL db.labels() YIELD label WITH label WHERE label IN $types RETURN label ORDER BY label } AS types,
       toString(datetime.transaction()) AS now
