// The stored state of the resources a confined caller's write names (org.caregraph.graph.GraphWriter checks them
// in the write's transaction): type, compartments, categories, and whether the resource is current (else deleted).
// Placeholders are not stored resources. $keys: ['Type/id']
UNWIND $keys AS key
MATCH (n:Resource {key: key})
WHERE n.placeholder IS NULL
RETURN n.key AS key, n.resourceType AS type, n.compartments AS compartments, n.`sp.category` AS categories,
       n.deleted IS NULL AS current
