// FHIR type and system history: how many versions history-page.cypher pages through (same $labels, $since).
MATCH (n:$any($labels))
WHERE n.placeholder IS NULL
// @include security/visible
CALL (n) {
  RETURN n.lastUpdated AS lastUpdated
  UNION ALL
  MATCH (v:Version)-[:VERSION_OF]->(n)
  RETURN v.lastUpdated AS lastUpdated
}
WITH datetime(lastUpdated) AS at
WHERE ($since IS NULL OR at >= datetime($since))
RETURN count(*) AS total
