// SQL store, table build: every current resource of type $type (a label), streamed. Returns key, json.
MATCH (n:$($type))
WHERE n.placeholder IS NULL AND n.deleted IS NULL
RETURN n.key AS key, n.json AS json
