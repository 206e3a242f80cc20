// Patient/[id]/$everything, one page: the patient, every resource in its Patient compartment (a relationship to it
// whose path is one of the compartment's reference paths, $paths, from HAPI's R4 compartment definitions), and what
// those reference directly (practitioners, organizations, locations, medications...) unless that is another patient
// or in another patient's compartment. Encounter/[id]/$everything ($focusType 'Encounter', $paths null): the
// encounter, every resource that references it, and what those reference directly (its patient too). Placeholders and deleted resources are left out. Sorted by key and paged by
// keyset: $after the last key of the previous page (null: the first page), $count the page size.
// $start, $end (epoch ms, null: open): only resources whose care date (n.time) lies between, and those without one.
// $key: the patient's key; $types: resource types to keep (null: all); $since: only resources last updated at or
// after this instant (null: any).
// Returns one row (none when the patient does not exist): total (after the filters), remaining (from $after on) and
// page [{key, type, id, json, versionId, lastUpdated, mode, compartments, categories}] with mode 'match'
// (compartment) or 'include'. Everything read is only what the caller may see (security/visible): the patient, each
// member, each referenced resource.
MATCH (n:Resource {key: $key})
WHERE n.resourceType = $focusType AND n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
WITH n AS p
CALL (p) {
  MATCH (p)<-[r]-(n:Resource)
  WHERE ($paths IS NULL AND r.path IS NOT NULL OR r.path IN $paths) AND n.placeholder IS NULL AND n.deleted IS NULL
  // @include security/visible
  // (p is not grouped on: with no member at all the focus still has its row)
  RETURN collect(DISTINCT n) AS linked
}
WITH p, linked + p AS members
CALL (p, members) {
  UNWIND members AS m
  MATCH (m)-[r]->(n:Resource)
  WHERE r.path IS NOT NULL AND n.placeholder IS NULL AND n.deleted IS NULL
    AND ($focusType <> 'Patient' OR NOT n:Patient AND NOT EXISTS { MATCH (n)-[o]->(q:Patient) WHERE q <> p AND o.path IN $paths })
  // @include security/visible
  RETURN collect(DISTINCT n) AS referenced
}
UNWIND [n IN members | {n: n, mode: 'match'}] + [n IN referenced WHERE NOT n IN members | {n: n, mode: 'include'}] AS row
WITH p, row
ORDER BY row.n.key
// grouped by p: one row for an existing patient even when the filters leave nothing
WITH p, collect(row) AS all
WITH [row IN all WHERE ($types IS NULL OR row.n.resourceType IN $types)
                   AND ($since IS NULL OR datetime(row.n.lastUpdated) >= datetime($since))
                   AND (row.n = p OR row.n.time IS NULL OR ($start IS NULL OR datetime(row.n.time).epochMillis >= $start)
                        AND ($end IS NULL OR datetime(row.n.time).epochMillis <= $end))] AS rows
WITH rows, [row IN rows WHERE $after IS NULL OR row.n.key > $after] AS rest
RETURN size(rows) AS total, size(rest) AS remaining,
       [row IN rest[0..$count] | {key: row.n.key, type: row.n.resourceType, id: row.n.id, json: row.n.json,
                                  versionId: row.n.versionId, lastUpdated: row.n.lastUpdated, mode: row.mode,
                                  compartments: row.n.compartments, categories: row.n.`sp.category`}] AS page
