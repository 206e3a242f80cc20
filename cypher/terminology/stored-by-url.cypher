// FHIR terminology on stored resources: the current $type (ValueSet, CodeSystem, StructureDefinition) whose canonical
// url is $url ($version: that version, null: any; the newest write first), only if the caller may see it.
MATCH (n:$($type))
WHERE $url IN coalesce(n.`sp.url`, []) AND n.placeholder IS NULL AND n.deleted IS NULL
  AND ($version IS NULL OR $version IN [v IN coalesce(n.`sp.version`, []) | substring(v, 1)])
// @include security/visible
RETURN n.resourceType AS type, n.id AS id, n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated,
       n.compartments AS compartments, n.`sp.category` AS categories
ORDER BY n.lastUpdated DESC
LIMIT 1
