// The standalone patient picker (launch/patient): the patients a signed-in user may choose, $keys (the patients the
// user's scopes reach; null: every patient), whose name contains $name (normalized: lower case, no accents; '': any),
// the first $limit in key order. Deleted and placeholder patients are left out.
MATCH (n:Patient)
WHERE n.placeholder IS NULL AND n.deleted IS NULL AND ($keys IS NULL OR n.key IN $keys)
  AND ($name = '' OR any(v IN coalesce(n.`sp.name`, []) WHERE v CONTAINS $name))
// @include security/visible
RETURN n.key AS key, n.json AS json, n.resourceType AS type, n.compartments AS compartments, n.`sp.category` AS categories
ORDER BY n.key
LIMIT $limit
