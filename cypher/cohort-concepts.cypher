// Cohorts: the concept keys each code criterion of a request names, all criteria in one round trip.
// Returns group (index into $groups) and key (Concept key 'system|code'), one row per pair.
// $groups: [{concepts: [{system, code}], descendants}]; a null system names that code in any system; with descendants,
// every concept below one of them through IS_A (any depth) too.
UNWIND range(0, size($groups) - 1) AS g
UNWIND $groups[g].concepts AS c
MATCH (k:Concept {code: c.code})
WHERE c.system IS NULL OR k.system = c.system
CALL (g, k) {
  RETURN k AS d
  UNION
  MATCH (d:Concept)-[:IS_A*1..]->(k)
  WHERE $groups[g].descendants
  RETURN d
}
RETURN DISTINCT g AS group, d.key AS key
