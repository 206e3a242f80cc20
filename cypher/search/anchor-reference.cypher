// FHIR search, start fragment: the resources of type $type that reference one of $anchorKeys (['Type/id']) at one of
// $anchorPaths (the reference relationships' FHIRPaths, e.g. 'Observation.subject'): Observation?patient=X starts at
// Patient X and walks its incoming references instead of scanning every Observation.
MATCH (t:Resource)
WHERE t.key IN $anchorKeys
MATCH (t)<-[r]-(n:$($type))
WHERE r.path IN $anchorPaths
WITH DISTINCT n
WHERE n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
