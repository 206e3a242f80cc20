// Removes a local user and revokes its refresh grants. $name. Returns one row (grants revoked), none when there is
// no such user.
MATCH (u:User {name: $name})
CALL (u) {
  OPTIONAL MATCH (g:Grant {user: u.name})
  DELETE g
  RETURN count(g) AS grants
}
DELETE u
RETURN grants
