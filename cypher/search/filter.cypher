// FHIR search, filter fragment: keeps the resources n that satisfy every condition of $conditions (AND); each
// condition is one search parameter with its comma-separated values (OR), built by
// org.caregraph.fhir.search.SearchPlanner from the request, over the search values stored on the node (sp.*, written
// by the single writer) or the reference relationships. A condition: {kind, negate, ...}:
//   match:     prop; exact / prefix / suffix / contains / regex: lists of strings, any stored value matching any of
//              them; above (uri :above): values of which a stored value is a prefix
//   id:        values: ids
//   missing:   prop; missing: true (no value) / false (some value)
//   reference: paths (relationship FHIRPaths); values: target keys; suffixes: '/id' (an id of any target type)
//   range:     lo, hi, unit (props; lo null: the resource's lastUpdated); terms: [{loMin, loMax, hiMin, hiMax, unit,
//              unitSuffix, negate}] inclusive bounds (null: open) on each stored [low, high] value
// negate (:not, the ne prefix) inverts a condition.
// (WITH *: a full-text start also carries its score)
WITH *
WHERE all(c IN $conditions WHERE (CASE c.kind
    WHEN 'match' THEN any(v IN coalesce(n[c.prop], []) WHERE v IN c.exact
        OR any(s IN c.prefix WHERE v STARTS WITH s) OR any(s IN c.suffix WHERE v ENDS WITH s)
        OR any(s IN c.contains WHERE v CONTAINS s) OR any(s IN coalesce(c.regex, []) WHERE v =~ s)
        OR any(s IN coalesce(c.above, []) WHERE s STARTS WITH v))
    WHEN 'id' THEN n.id IN c.values
    WHEN 'missing' THEN (n[c.prop] IS NULL) = c.missing
    WHEN 'reference' THEN EXISTS {
        MATCH (n)-[r]->(t:Resource)
        WHERE r.path IN c.paths AND (t.key IN c.values OR any(s IN c.suffixes WHERE t.key ENDS WITH s)) }
    WHEN 'range' THEN any(x IN CASE WHEN c.lo IS NULL
            THEN [[datetime(n.lastUpdated).epochMillis, datetime(n.lastUpdated).epochMillis, null]]
            ELSE [i IN range(0, size(coalesce(n[c.lo], [])) - 1) |
                  [n[c.lo][i], n[c.hi][i], CASE WHEN c.unit IS NULL THEN null ELSE n[c.unit][i] END]] END
        WHERE any(t IN c.terms WHERE ((t.loMin IS NULL OR x[0] >= t.loMin) AND (t.loMax IS NULL OR x[0] <= t.loMax)
            AND (t.hiMin IS NULL OR x[1] >= t.hiMin) AND (t.hiMax IS NULL OR x[1] <= t.hiMax)
            AND (t.unit IS NULL OR x[2] = t.unit OR (t.unitSuffix AND x[2] ENDS WITH t.unit))) <> t.negate))
  END) <> c.negate)
