// Benchmark baseline, step 1: the plainest write of as many nodes as the import stored, with payloads of the same
// size (CREATE, no MERGE, no labels per type). $rows: [{key, json}]
UNWIND $rows AS r
CREATE (:BenchBaseline {key: r.key, json: r.json})
