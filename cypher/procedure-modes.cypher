// The mode (READ, WRITE, SCHEMA, DBMS, DEFAULT) and whether admin rights are needed of each named procedure, for the
// analysts' Cypher endpoint, which lets only non-admin READ procedures run.
// Parameters: $names (list of procedure names, e.g. ['db.labels']). Returns name, mode, admin (one row per known name).
SHOW PROCEDURES YIELD name, mode, admin
WHERE name IN $names
RETURN name, mode, admin
