// FHIR search, result fragment: the matching resources, at most $limit, without order (_revinclude).
RETURN n.resourceType AS type, n.id AS id, n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated,
       n.compartments AS compartments, n.`sp.category` AS categories
LIMIT $limit
