// Registers a client of the authorization server, or replaces its registration when $replace. $client: id, name,
// kind (backend | public | confidential), jwks (a JWK set as JSON text), jwksUri, redirectUris, scopes (the allowance),
// secretHash, updated (epoch ms); a null member removes the property. Returns one row (replaced: whether it existed),
// none when it exists and $replace is false.
OPTIONAL MATCH (old:Client {id: $client.id})
WITH old
WHERE old IS NULL OR $replace
MERGE (c:Client {id: $client.id})
ON CREATE SET c.created = $client.updated
SET c += $client
RETURN c.id AS id, old IS NOT NULL AS replaced
