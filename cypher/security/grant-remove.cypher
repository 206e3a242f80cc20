// Revokes a refresh grant (a refresh token used twice: one of the two holders is not its owner). $id.
MATCH (g:Grant {id: $id})
DELETE g
RETURN count(*) AS removed
