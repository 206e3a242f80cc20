// FHIR read: the current version of a stored resource (placeholders are not resources yet, deleted ones no more).
MATCH (n:Resource {key: $key})
WHERE n.placeholder IS NULL AND n.deleted IS NULL
RETURN n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated
