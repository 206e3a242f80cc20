// $viewdefinition-run and -export over the server's data: every current resource of type $type (a label) the caller
// may see, updated at or after $since (null: any) and not after $until (the run's start), streamed.
// Returns key, type, json, compartments, categories.
MATCH (n:$($type))
WHERE n.placeholder IS NULL AND n.deleted IS NULL
  AND ($since IS NULL OR datetime(n.lastUpdated) >= datetime($since))
  AND datetime(n.lastUpdated) <= datetime($until)
// @include security/visible
RETURN n.key AS key, n.resourceType AS type, n.json AS json, n.compartments AS compartments, n.`sp.category` AS categories
