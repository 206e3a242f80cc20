// SQL store, incremental update: the current JSON of the resources $keys; a key without a row is deleted (or never
// existed) and its rows go. Returns key, json.
UNWIND $keys AS key
MATCH (n:Resource {key: key})
WHERE n.placeholder IS NULL AND n.deleted IS NULL
RETURN n.key AS key, n.json AS json
