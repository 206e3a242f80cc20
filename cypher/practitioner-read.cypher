// A practitioner by id (placeholders excluded): its id and stored JSON; no row when there is none.
// $key: 'Practitioner/<id>'
MATCH (pr:Resource {key: $key})
WHERE pr:Practitioner AND pr.placeholder IS NULL AND pr.deleted IS NULL
RETURN pr.id AS id, pr.json AS json
