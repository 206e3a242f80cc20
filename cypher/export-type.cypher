// Bulk export, system level: every current resource of type $type (a label), streamed.
// $since: only resources last updated at or after this instant (null: any); $until: the export's transactionTime,
// resources updated after it are left out.
// Returns key, type, json, versionId, lastUpdated, compartments, categories per resource.
MATCH (n:$($type))
WHERE n.placeholder IS NULL AND n.deleted IS NULL
  AND ($since IS NULL OR datetime(n.lastUpdated) >= datetime($since))
  AND datetime(n.lastUpdated) <= datetime($until)
RETURN n.key AS key, n.resourceType AS type, n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated,
       n.compartments AS compartments, n.`sp.category` AS categories
