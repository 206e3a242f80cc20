// A refresh grant (offline_access): what an app was granted at sign-in, which its refresh token renews until
// expiresAt. Expired grants are dropped on the way. $grant: id, secretHash (SHA-256 of the refresh token's secret,
// base64url), client, user, fhirUser, patient, scopes, expiresAt, created (epoch ms). $now: epoch ms.
CALL () {
  MATCH (old:Grant)
  WHERE old.expiresAt < $now
  DELETE old
}
CREATE (g:Grant)
SET g = $grant
RETURN g.id AS id
