// FHIR search, result fragment for a search without _sort: one page in key order, by keyset — the same page and
// cursor as search/page gives when no sort key is used, without computing sort values for every candidate (a common
// code has thousands). $after: the cursor of the previous page's last resource (its last element is the key) or null;
// $sorts (all unused: {prop: 'none', missing}), $skip, $limit as in search/page.
WITH n
WHERE $after IS NULL OR n.key > $after[3]
WITH n
ORDER BY n.key
SKIP $skip
LIMIT $limit
RETURN n.resourceType AS type, n.id AS id, n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated,
       n.compartments AS compartments, n.`sp.category` AS categories, [s IN $sorts | s.missing] + [n.key] AS cursor
