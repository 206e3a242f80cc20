// $viewdefinition-run and -export with patient (or group): the current resources of type $type (a label) in the
// Patient compartments of $patients (keys) the caller may see — the patient itself, or a resource whose compartment
// reference ($paths, R4's compartment definition) points at it; read from the patients outward, each resource once;
// $since and $until as in run-type.cypher. Returns key, type, json, compartments, categories.
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
// @include security/visible
RETURN n.key AS key, n.resourceType AS type, n.json AS json, n.compartments AS compartments, n.`sp.category` AS categories
