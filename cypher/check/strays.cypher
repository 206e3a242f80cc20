// caregraph check: what hangs off no resource — Version nodes without (or with more than one) VERSION_OF, journey links
// that do not join the encounters of one current patient — $limit of each kind at most. A patient marked for
// relinking (journeyDirty) is left out: the writer relinks it next.
CALL () {
  MATCH (v:Version)
  WHERE COUNT { (v)-[:VERSION_OF]->(:Resource) } <> 1
  RETURN 'version-chain' AS kind, v.key AS key, 'a version that belongs to ' + COUNT { (v)-[:VERSION_OF]->() } + ' resources' AS detail
  LIMIT $limit
  UNION ALL
  MATCH (a)-[:NEXT]->(b)
  WHERE NOT EXISTS { (a)-[:SUBJECT]->(:Resource {journeyDirty: true}) }
    AND NOT (a:Encounter AND b:Encounter AND a.deleted IS NULL AND b.deleted IS NULL
             AND EXISTS { (a)-[:SUBJECT]->(p:Patient)<-[:SUBJECT]-(b) WHERE p.deleted IS NULL })
  RETURN 'journey' AS kind, coalesce(a.key, elementId(a)) AS key, 'NEXT to ' + coalesce(b.key, elementId(b))
         + ', which is not an encounter of the same patient' AS detail
  LIMIT $limit
  UNION ALL
  MATCH (a)-[:FIRST_ENCOUNTER]->(b)
  WHERE a.journeyDirty IS NULL AND NOT (a:Patient AND a.deleted IS NULL AND (b)-[:SUBJECT]->(a))
  RETURN 'journey' AS kind, coalesce(a.key, elementId(a)) AS key, 'FIRST_ENCOUNTER to ' + coalesce(b.key, elementId(b))
         + ', which is not one of its encounters' AS detail
  LIMIT $limit
}
RETURN kind, key, detail
