// The registered clients ($id: one of them; null: all), in id order. Returns client (its properties).
MATCH (c:Client)
WHERE $id IS NULL OR c.id = $id
RETURN c {.*} AS client
ORDER BY c.id
