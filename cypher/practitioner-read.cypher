// A practitioner by id (placeholders excluded): its id and stored JSON; no row when there is none.
// $key: 'Practitioner/<id>'
MATCH (n:Resource {key: $key})
WHERE n:Practitioner AND n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
RETURN n.id AS id, n.resourceType AS type, n.json AS json, n.compartments AS compartments, n.`sp.category` AS categories
