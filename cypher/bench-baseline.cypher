// Benchmark baseline: the plainest possible write of the same number of nodes with payloads of the same size
// (MERGE on a unique key, no relationships), to compare the import's write plan against.
UNWIND $rows AS r
MERGE (n:BenchBaseline {key: r.key})
SET n.json = r.json
