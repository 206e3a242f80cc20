// FHIR search, start fragment: resources by key ($anchorKeys: ['Type/id']) of the searched type ($type); for _id and
// _has, through the resource key constraint.
MATCH (n:Resource)
WHERE n.key IN $anchorKeys AND n.resourceType = $type AND n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
