// Bulk export result, after export-current (or export-associated) bound n: one row per resource with key, type,
// json, versionId, lastUpdated, compartments, categories.
RETURN n.key AS key, n.resourceType AS type, n.json AS json, n.versionId AS versionId, n.lastUpdated AS lastUpdated,
       n.compartments AS compartments, n.`sp.category` AS categories
