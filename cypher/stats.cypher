// caregraph stats: resources per type, placeholders, concepts, identifiers, versions, relationships per type.
CALL () {
  MATCH (n:Resource) WHERE n.placeholder IS NULL AND n.deleted IS NULL
  RETURN 'resource' AS kind, n.resourceType AS name, count(*) AS count
  UNION ALL
  MATCH (n:Resource {placeholder: true})
  RETURN 'node' AS kind, 'Placeholder' AS name, count(*) AS count
  UNION ALL
  MATCH (n:Concept)
  RETURN 'node' AS kind, 'Concept' AS name, count(*) AS count
  UNION ALL
  MATCH (n:Identifier)
  RETURN 'node' AS kind, 'Identifier' AS name, count(*) AS count
  UNION ALL
  MATCH (n:Version)
  RETURN 'node' AS kind, 'Version' AS name, count(*) AS count
  UNION ALL
  MATCH ()-[r]->()
  RETURN 'relationship' AS kind, type(r) AS name, count(*) AS count
}
RETURN kind, name, count ORDER BY kind, name
