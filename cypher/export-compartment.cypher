// Bulk export, Patient level: the current resources of type $type (a label) in the Patient compartment of any current
// patient, streamed from a scan of the type. A resource is in a patient's compartment when it is that patient or has a
// relationship to it whose path is one of the compartment's reference paths $paths (HAPI's R4 compartment definitions).
// $since: only resources last updated at or after this instant (null: any); $until: the export's transactionTime.
// Returns key, type, json, versionId, lastUpdated, compartments, categories per resource.
MATCH (n:$($type))
WHERE n.placeholder IS NULL AND n.deleted IS NULL
  AND ($since IS NULL OR datetime(n.lastUpdated) >= datetime($since))
  AND datetime(n.lastUpdated) <= datetime($until)
  AND (n:Patient
       OR EXISTS { MATCH (n)-[r]->(p:Patient) WHERE r.path IN $paths AND p.placeholder IS NULL AND p.deleted IS NULL })
RETURN n.key AS key, n.resourceType AS type, n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated,
       n.compartments AS compartments, n.`sp.category` AS categories
