// Adds a local user of the authorization server, or replaces it when $replace (its refresh grants are revoked then:
// a new password or binding ends what the old one allowed). $user: name, passwordHash, fhirUser, scopes (the
// allowance), updated (epoch ms). Returns one row (replaced), none when it exists and $replace is false.
OPTIONAL MATCH (old:User {name: $user.name})
WITH old
WHERE old IS NULL OR $replace
CALL (old) {
  OPTIONAL MATCH (g:Grant {user: old.name})
  DELETE g
}
MERGE (u:User {name: $user.name})
ON CREATE SET u.created = $user.updated
SET u += $user
RETURN u.name AS name, old IS NOT NULL AS replaced
