// FHIR search, start fragment for _text and _content: the resources of type $type that Neo4j's full-text index
// resource_text (cypher/schema.cypher) finds for $textQuery, a Lucene query built by
// org.caregraph.fhir.search.SearchPlanner (`+resourceType:"Observation" +(sp._text:(heart AND failure))`: the
// client's words, escaped), with their relevance score for _sort=_score (search/page-by-score).
CALL db.index.fulltext.queryNodes('resource_text', $textQuery) YIELD node, score
WITH node AS n, score
WHERE n.resourceType = $type AND n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
