// Benchmark baseline only: its nodes are matched by key like the import's.
CREATE CONSTRAINT bench_baseline_key IF NOT EXISTS FOR (n:BenchBaseline) REQUIRE n.key IS UNIQUE;
CALL db.awaitIndexes(300);
