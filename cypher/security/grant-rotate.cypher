// Rotates a refresh grant's secret, only if it is still the one presented ($old): of two concurrent uses of one
// refresh token, one wins. $id, $old, $new (secret hashes), $now (epoch ms). Returns one row, none when the secret
// had already moved on or the grant is gone.
MATCH (g:Grant {id: $id})
WHERE g.secretHash = $old
SET g.secretHash = $new, g.used = $now
RETURN g.id AS id
