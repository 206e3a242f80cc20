// CareGraph schema: created idempotently at every startup, before any write.
// Uniqueness constraints also make MERGE on these keys index-backed (without them bulk MERGE is quadratic).
// Every further index costs each write: resource types are labels (label scans need no index), and the read-side
// issues add the indexes their queries need.
CREATE CONSTRAINT resource_key IF NOT EXISTS FOR (n:Resource) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT concept_key IF NOT EXISTS FOR (n:Concept) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT identifier_key IF NOT EXISTS FOR (n:Identifier) REQUIRE n.key IS UNIQUE;
CREATE CONSTRAINT version_key IF NOT EXISTS FOR (n:Version) REQUIRE n.key IS UNIQUE;
// the authorization server's own records (org.caregraph.security.authz): not resources, never served as FHIR
CREATE CONSTRAINT client_id IF NOT EXISTS FOR (n:Client) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT user_name IF NOT EXISTS FOR (n:User) REQUIRE n.name IS UNIQUE;
CREATE CONSTRAINT grant_id IF NOT EXISTS FOR (n:Grant) REQUIRE n.id IS UNIQUE;
CREATE INDEX resource_journey_dirty IF NOT EXISTS FOR (n:Resource) ON (n.journeyDirty);
CREATE INDEX concept_code IF NOT EXISTS FOR (n:Concept) ON (n.code);
CREATE INDEX concept_system IF NOT EXISTS FOR (n:Concept) ON (n.system);
// the resources NLP derived from a note, found again when the note changes (write-mentions)
CREATE INDEX resource_nlp_note IF NOT EXISTS FOR (n:Resource) ON (n.nlpNote);
// FHIR _text (the narrative) and _content (the whole resource) search: Neo4j's full-text index (Lucene) over the two
// properties the writer keeps (org.caregraph.search.SearchIndexer), and the type, so that a query keeps to one type
// inside the index. Case, accents and ligatures folded like string search.
CREATE FULLTEXT INDEX resource_text IF NOT EXISTS FOR (n:Resource) ON EACH [n.`sp._text`, n.`sp._content`, n.resourceType]
  OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-folding'}};
CALL db.awaitIndexes(300);
