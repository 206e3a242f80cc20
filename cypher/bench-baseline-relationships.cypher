// Benchmark baseline, step 2: as many plain relationships as the import stored, between baseline nodes.
// $rows: [{from, to}]
UNWIND $rows AS r
MATCH (a:BenchBaseline {key: r.from}), (b:BenchBaseline {key: r.to})
CREATE (a)-[:BENCH {path: 'x'}]->(b)
