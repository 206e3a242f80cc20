// caregraph reindex: current resources in key order, one page after the key $after ('' first): key and stored JSON.
// $limit: page size.
MATCH (n:Resource)
WHERE n.key > $after AND n.placeholder IS NULL AND n.deleted IS NULL
RETURN n.key AS key, n.resourceType AS type, n.json AS json, n.compartments AS compartments, n.`sp.category` AS categories
ORDER BY n.key
LIMIT $limit
