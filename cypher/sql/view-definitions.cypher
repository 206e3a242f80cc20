// SQL store: every stored ViewDefinition (current versions), each a table when active. Returns key, json.
MATCH (n:ViewDefinition)
WHERE n.placeholder IS NULL AND n.deleted IS NULL
RETURN n.key AS key, n.json AS json
ORDER BY key
