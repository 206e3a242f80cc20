// NLP lexicon: every Concept with a name (display or synonyms) and the distinct FHIRPaths it is coded under, which
// tell the pipeline what kind of thing it is (Condition.code → condition, ...). No parameters.
// Rows: key, system, code, display, synonyms (list or null), paths (list).
MATCH (k:Concept)
WHERE k.display IS NOT NULL OR k.synonyms IS NOT NULL
RETURN k.key AS key, k.system AS system, k.code AS code, k.display AS display, k.synonyms AS synonyms,
       COLLECT { MATCH (:Resource)-[c:CODED]->(k) RETURN DISTINCT c.path } AS paths
