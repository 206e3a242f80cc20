// NLP lexicon freshness: how many Concept nodes there are and how many are named; the lexicon is rebuilt when these
// numbers differ from the ones it was built at. No parameters. One row: concepts, displays, synonyms.
MATCH (k:Concept)
RETURN count(k) AS concepts, count(k.display) AS displays, count(k.synonyms) AS synonyms
