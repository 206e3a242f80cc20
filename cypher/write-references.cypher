// Write path step 2: the patients whose compartments hold each resource (n.compartments: null for a type without a
// Patient compartment; every read filters by it, see security/visible), and one relationship per reference element,
// typed by the element (SUBJECT, PARTICIPANT, ...), with the element's FHIRPath. A target not loaded yet becomes a
// placeholder that the real resource fills when it arrives.
// $rows: [{key, compartments, refs: [{rel, path, key, type, id, ident}]}] for the new or changed resources only.
CYPHER replan=skip
UNWIND $rows AS r
MATCH (n:Resource {key: r.key})
SET n.compartments = r.compartments
WITH n, r
UNWIND r.refs AS ref
MERGE (t:Resource {key: ref.key})
  ON CREATE SET t.placeholder = true, t.resourceType = ref.type, t.id = ref.id
CREATE (n)-[:$(ref.rel) {path: ref.path}]->(t)
