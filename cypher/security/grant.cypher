// One refresh grant. $id. Returns grant (its properties).
MATCH (g:Grant {id: $id})
RETURN g {.*} AS grant
