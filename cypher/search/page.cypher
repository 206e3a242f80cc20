// FHIR search, result fragment: one page in sort order, by keyset. $sorts: exactly 3 sort keys [{prop, desc,
// missing}] (prop: a search value property, '_id' or '_lastUpdated'; unused keys are {prop: 'none'}); a resource's sort
// value is the lowest of its values (the highest for desc), 'missing' when it has none; the resource key breaks ties.
// $desc: [desc of each key, false]. $after: the sort values + key of the last resource of the previous page (null on
// the first page): the page starts after it, so a page neither re-reads the pages before it nor shifts when
// resources are written meanwhile. $skip (within the page boundary), $limit. Returns the resources with their cursor.
WITH n, [s IN $sorts | coalesce(reduce(m = null, v IN CASE s.prop
        WHEN 'none' THEN []
        WHEN '_id' THEN [n.id]
        WHEN '_lastUpdated' THEN [datetime(n.lastUpdated).epochMillis]
        ELSE coalesce(n[s.prop], []) END | CASE WHEN m IS NULL OR (v > m) = s.desc THEN v ELSE m END), s.missing)]
    + [n.key] AS sk
WHERE $after IS NULL OR reduce(r = 0, i IN range(0, 3) | CASE WHEN r <> 0 THEN r WHEN sk[i] = $after[i] THEN 0
    WHEN (sk[i] > $after[i]) <> $desc[i] THEN 1 ELSE -1 END) > 0
WITH n, sk
ORDER BY CASE WHEN $desc[0] THEN null ELSE sk[0] END, CASE WHEN $desc[0] THEN sk[0] END DESC,
         CASE WHEN $desc[1] THEN null ELSE sk[1] END, CASE WHEN $desc[1] THEN sk[1] END DESC,
         CASE WHEN $desc[2] THEN null ELSE sk[2] END, CASE WHEN $desc[2] THEN sk[2] END DESC,
         sk[3]
SKIP $skip
LIMIT $limit
// the page's content is read for the page only, after sorting (not for every candidate)
RETURN n.resourceType AS type, n.id AS id, n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated,
       n.compartments AS compartments, n.`sp.category` AS categories, sk AS cursor
