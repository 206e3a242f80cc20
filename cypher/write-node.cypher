// Fragment ending write-resources and reindex-resources: the node properties derived from a resource's content, for
// the rows (n, r) the head kept. The few facts analytics read (gender, period end, status, numeric values with their
// codes, the codings as written, the encounter named) are set beside the JSON; a null removes a stale one. The values
// of the resource's search parameters (r.search: {`sp.<param>...`: list}, see org.caregraph.search.SearchIndexer)
// replace the old ones whole. Returns the key of each row written.
WITH n, r
CALL (n, r) {
  UNWIND [k IN keys(n) WHERE k STARTS WITH 'sp.' AND NOT k IN keys(r.search)] AS stale
  SET n[stale] = null
}
SET n += r.search
SET n:$(r.type),
    n.id = r.id, n.resourceType = r.type, n.time = r.time,
    n.gender = r.gender, n.end = r.end, n.status = r.status,
    n.valueKeys = r.valueKeys, n.valueNumbers = r.valueNumbers, n.valueUnits = r.valueUnits,
    n.codingPaths = r.codingPaths, n.codingKeys = r.codingKeys, n.codingDisplays = r.codingDisplays,
    n.encounter = r.encounter
RETURN n.key AS key
