// SQL store, table build: every current resource of type $type (a label), streamed. Returns key, json (and type,
// compartments, categories, which the read door checks).
MATCH (n:$($type))
WHERE n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
RETURN n.key AS key, n.resourceType AS type, n.json AS json, n.compartments AS compartments, n.`sp.category` AS categories
