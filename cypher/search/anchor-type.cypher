// FHIR search, start fragment: every current resource of the searched type ($type), by label. Used when no
// parameter names a selective starting point. Followed by search/filter and a result fragment (see
// org.caregraph.fhir.search.GraphSearch: a search query is one start fragment + filter + one result fragment).
MATCH (n:$($type))
WHERE n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
