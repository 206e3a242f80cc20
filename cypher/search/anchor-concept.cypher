// FHIR search, start fragment: the resources of type $type coded with one of the Concepts $anchorKeys
// (['system|code']) at one of $anchorPaths (CODED paths, e.g. 'Condition.code'): Condition?code=s|c starts at the
// Concept node.
MATCH (k:Concept)
WHERE k.key IN $anchorKeys
MATCH (k)<-[r:CODED]-(n:$($type))
WHERE r.path IN $anchorPaths
// No placeholder or deleted check: only a stored, current resource has relationships with a path of its own (the
// writer drops them on delete, a placeholder never has any; caregraph check verifies it). Reading the two absent
// properties walked each candidate's whole property chain: 11 of a common code's 15 ms count.
WITH DISTINCT n
// @include security/visible
