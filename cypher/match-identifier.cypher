// IdentifierMatcher (the stand-in ResourceMatcher until the search engine lands): current resources of $type matching
// identifier=[system|]value and/or _id=. $type; $ident: an exact Identifier key 'Type|system|value' (system '' for
// identifier=|value) or null; $value: the value of identifier=value (any system) or null; $id: the _id or null; at least
// one of them is set. At most $limit keys, in key order.
CALL () {
  WITH 1 AS one WHERE $ident IS NOT NULL
  MATCH (:Identifier {key: $ident})<-[:IDENTIFIED_BY]-(n:Resource)
  RETURN n
  UNION
  WITH 1 AS one WHERE $ident IS NULL AND $value IS NOT NULL
  MATCH (i:Identifier) WHERE i.key STARTS WITH $type + '|' AND i.key ENDS WITH '|' + $value
  MATCH (i)<-[:IDENTIFIED_BY]-(n:Resource)
  RETURN n
  UNION
  WITH 1 AS one WHERE $ident IS NULL AND $value IS NULL
  MATCH (n:Resource {key: $type + '/' + $id})
  RETURN n
}
WITH n
WHERE n.resourceType = $type AND n.placeholder IS NULL AND n.deleted IS NULL AND ($id IS NULL OR n.id = $id)
RETURN DISTINCT n.key AS key
ORDER BY key
LIMIT $limit
