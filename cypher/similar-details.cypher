// Similar patients, what an answer shows: the stored Patient JSON of the patients found and the concepts they share.
// Returns one row: patients [{id, json}] (placeholders excluded), concepts [{key, system, code, display}].
// $ids: patient ids, $keys: concept keys (system|code)
RETURN COLLECT {
  UNWIND $ids AS id
  MATCH (p:Resource {key: 'Patient/' + id})
  WHERE p:Patient AND p.placeholder IS NULL
  RETURN {id: p.id, json: p.json}
} AS patients, COLLECT {
  UNWIND $keys AS key
  MATCH (k:Concept {key: key})
  RETURN k {.key, .system, .code, .display}
} AS concepts
