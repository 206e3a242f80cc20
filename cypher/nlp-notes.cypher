// caregraph nlp rerun: the stored notes (DocumentReferences, DiagnosticReports with a presentedForm) to analyze again,
// in key order, one page after the key $after ('' for the first page): those whose nlpVersion differs from $version
// (never analyzed, analyzed with another lexicon, or failed), or all of them when $all. $limit: page size.
MATCH (n:Resource)
WHERE (n:DocumentReference OR (n:DiagnosticReport AND n.json CONTAINS '"presentedForm"'))
  AND n.placeholder IS NULL AND n.deleted IS NULL AND n.key > $after
  AND ($all OR n.nlpVersion IS NULL OR n.nlpVersion <> $version)
RETURN n.key AS key, n.resourceType AS type, n.json AS json, n.compartments AS compartments, n.`sp.category` AS categories
ORDER BY n.key
LIMIT $limit
