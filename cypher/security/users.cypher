// The local users ($name: one of them; null: all), in name order. Returns user (its properties, the password hash
// among them: for the sign-in check only).
MATCH (u:User)
WHERE $name IS NULL OR u.name = $name
RETURN u {.*} AS user
ORDER BY u.name
