// FHIR search, start fragment: the resources of type $type that reference one of $anchorKeys (['Type/id']) at one of
// $anchorPaths (the reference relationships' FHIRPaths, e.g. 'Observation.subject'): Observation?patient=X starts at
// Patient X and walks its incoming references instead of scanning every Observation.
MATCH (t:Resource)
WHERE t.key IN $anchorKeys
MATCH (t)<-[r]-(n:$($type))
WHERE r.path IN $anchorPaths
// No placeholder or deleted check: only a stored, current resource has relationships with a path of its own (the
// writer drops them on delete, a placeholder never has any; caregraph check verifies it). Reading the two absent
// properties walked each candidate's whole property chain: 11 of a common code's 15 ms count.
WITH DISTINCT n
// @include security/visible
