// Bulk export, Group level: the current resources of type $type (a label) in the Patient compartments of the Group's
// member patients $patients (their keys, from group-members.cypher), read from the members outward (not a scan of
// the type); a resource in two members' compartments is written once. Compartment as in export-compartment.cypher:
// the patient itself, or a relationship to it whose path is one of $paths.
// $since: only resources last updated at or after this instant (null: any); $until: the export's transactionTime.
// Returns key, type, json, versionId, lastUpdated, compartments, categories per resource.
UNWIND $patients AS member
MATCH (p:Resource:Patient {key: member})
CALL (p) {
  WITH p WHERE $type = 'Patient'
  RETURN p AS n
  UNION
  MATCH (p)<-[r]-(n:$($type))
  WHERE r.path IN $paths
  RETURN n
}
WITH DISTINCT n
WHERE n.placeholder IS NULL AND n.deleted IS NULL
  AND ($since IS NULL OR datetime(n.lastUpdated) >= datetime($since))
  AND datetime(n.lastUpdated) <= datetime($until)
RETURN n.key AS key, n.resourceType AS type, n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated,
       n.compartments AS compartments, n.`sp.category` AS categories
