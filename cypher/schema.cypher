// CareGraph schema: created idempotently at every startup, before any write.
// Uniqueness constraints also make MERGE on these keys index-backed (without them bulk MERGE is quadratic).
CREATE CONSTRAINT resource_key IF NOT EXISTS FOR (n:Resource) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT concept_key IF NOT EXISTS FOR (n:Concept) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT identifier_key IF NOT EXISTS FOR (n:Identifier) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT version_key IF NOT EXISTS FOR (n:Version) REQUIRE n.key IS UNIQUE;
CREATE INDEX resource_type IF NOT EXISTS FOR (n:Resource) ON (n.resourceType);
CREATE INDEX resource_placeholder IF NOT EXISTS FOR (n:Resource) ON (n.placeholder);
CREATE INDEX resource_journey_dirty IF NOT EXISTS FOR (n:Resource) ON (n.journeyDirty);
CREATE INDEX resource_time IF NOT EXISTS FOR (n:Resource) ON (n.time);
CREATE INDEX concept_code IF NOT EXISTS FOR (n:Concept) ON (n.code);
CREATE INDEX concept_system IF NOT EXISTS FOR (n:Concept) ON (n.system);
CREATE CONSTRAINT bench_baseline_key IF NOT EXISTS FOR (n:BenchBaseline) REQUIRE n.key IS UNIQUE;
CALL db.awaitIndexes(300);
