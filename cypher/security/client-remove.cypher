// Removes a client and revokes its refresh grants. $id. Returns one row (grants: how many were revoked), none when
// there is no such client.
MATCH (c:Client {id: $id})
CALL (c) {
  OPTIONAL MATCH (g:Grant {client: c.id})
  DELETE g
  RETURN count(g) AS grants
}
DELETE c
RETURN grants
