// caregraph restore: whether the database is empty (restore only fills an empty one).
MATCH (n)
RETURN count(n) AS nodes
