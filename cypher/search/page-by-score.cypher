// FHIR search, result fragment for _sort=_score after search/anchor-text: one page by relevance, most relevant first,
// the key breaking ties, by keyset: $after the cursor of the previous page's last resource ([score, null, null, key])
// or null; $skip, $limit as in search/page.
WITH n, score
WHERE $after IS NULL OR score < $after[0] OR (score = $after[0] AND n.key > $after[3])
WITH n, score
ORDER BY score DESC, n.key
SKIP $skip
LIMIT $limit
RETURN n.resourceType AS type, n.id AS id, n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated,
       n.compartments AS compartments, n.`sp.category` AS categories, [score, null, null, n.key] AS cursor
