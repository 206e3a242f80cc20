// SQL store, incremental update: the current JSON of the resources $keys; a key without a row is deleted (or never
// existed) and its rows go. Returns key, json (and type, compartments, categories, which the read door checks).
UNWIND $keys AS key
MATCH (n:Resource {key: key})
WHERE n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
RETURN n.key AS key, n.resourceType AS type, n.json AS json, n.compartments AS compartments, n.`sp.category` AS categories
