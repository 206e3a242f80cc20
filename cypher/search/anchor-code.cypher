// FHIR search, start fragment: like search/anchor-concept for codes given without a system ($anchorCodes: ['code']),
// through the Concept code index.
MATCH (k:Concept)
WHERE k.code IN $anchorCodes
MATCH (k)<-[r:CODED]-(n:$($type))
WHERE r.path IN $anchorPaths
// No placeholder or deleted check: only a stored, current resource has relationships with a path of its own (the
// writer drops them on delete, a placeholder never has any; caregraph check verifies it). Reading the two absent
// properties walked each candidate's whole property chain: 11 of a common code's 15 ms count.
WITH DISTINCT n
// @include security/visible
