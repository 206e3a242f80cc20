// SQL on FHIR operations: the current resources of type $type (a label) whose canonical url is $url (their url search
// value, sp.url) and the caller may see, for a viewReference, queryReference or subjectCanonical given as a
// canonical. Two rows at most: a second means the URL is ambiguous. Returns key, json (and type, compartments,
// categories, which the read door checks).
MATCH (n:$($type))
WHERE n.placeholder IS NULL AND n.deleted IS NULL AND $url IN n.`sp.url`
// @include security/visible
RETURN n.key AS key, n.resourceType AS type, n.json AS json, n.compartments AS compartments, n.`sp.category` AS categories
ORDER BY key
LIMIT 2
