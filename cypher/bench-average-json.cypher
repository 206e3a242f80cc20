// Benchmark: average stored JSON length, so the baseline writes payloads of the same size.
MATCH (n:Resource) WHERE n.json IS NOT NULL
RETURN toInteger(avg(size(n.json))) AS length
