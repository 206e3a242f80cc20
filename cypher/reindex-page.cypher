// caregraph reindex: current resources in key order, one page after the key $after ('' first): key and stored JSON.
// $limit: page size.
MATCH (n:Resource)
WHERE n.key > $after AND n.placeholder IS NULL AND n.deleted IS NULL
RETURN n.key AS key, n.json AS json
ORDER BY n.key
LIMIT $limit
