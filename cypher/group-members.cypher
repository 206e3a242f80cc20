// Bulk export of a Group: the keys of its member patients (Group.member.entity references to current patients).
// $key: the Group's key. Returns one row, members (possibly empty); no row when the Group does not exist.
MATCH (n:Resource:Group {key: $key})
WHERE n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
WITH n AS g
OPTIONAL MATCH (g)-[r]->(p:Patient)
WHERE r.path = 'Group.member.entity' AND p.placeholder IS NULL AND p.deleted IS NULL
WITH g, collect(DISTINCT p.key) AS members
RETURN members
