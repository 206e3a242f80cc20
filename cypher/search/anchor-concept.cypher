// FHIR search, start fragment: the resources of type $type coded with one of the Concepts $anchorKeys
// (['system|code']) at one of $anchorPaths (CODED paths, e.g. 'Condition.code'): Condition?code=s|c starts at the
// Concept node.
MATCH (k:Concept)
WHERE k.key IN $anchorKeys
MATCH (k)<-[r:CODED]-(n:$($type))
WHERE r.path IN $anchorPaths
WITH DISTINCT n
WHERE n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
