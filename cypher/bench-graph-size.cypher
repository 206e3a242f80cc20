// Benchmark: what the import stored, so the baseline writes the same amount: average JSON length and relationships.
MATCH (n:Resource) WHERE n.json IS NOT NULL
WITH count(n) AS resources, toInteger(avg(size(n.json))) AS length
RETURN resources, length, COUNT { ()-[]->() } AS relationships
