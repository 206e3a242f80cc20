// SQL on FHIR operations: the current resources of type $type (a label) whose canonical url is $url (their url search
// value, sp.url), for a viewReference, queryReference or subjectCanonical given as a canonical. Two rows at most: a
// second means the URL is ambiguous. Returns key, json.
MATCH (n:$($type))
WHERE n.placeholder IS NULL AND n.deleted IS NULL AND $url IN n.`sp.url`
RETURN n.key AS key, n.json AS json
ORDER BY key
LIMIT 2
