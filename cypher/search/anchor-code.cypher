// FHIR search, start fragment: like search/anchor-concept for codes given without a system ($anchorCodes: ['code']),
// through the Concept code index.
MATCH (k:Concept)
WHERE k.code IN $anchorCodes
MATCH (k)<-[r:CODED]-(n:$($type))
WHERE r.path IN $anchorPaths
WITH DISTINCT n
WHERE n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
