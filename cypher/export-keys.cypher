// Bulk export start for a type with _typeFilter: the resources $keys (the keys the filter's FHIR searches matched) of
// type $type. At Patient and Group level ($paths given) they must also lie in a Patient compartment (as in
// export-compartment), of one of $patients when given (as in export-group). Binds n; composed like export-type.
UNWIND $keys AS key
MATCH (n:Resource {key: key})
WHERE n.resourceType = $type
  AND ($paths IS NULL
       OR n:Patient AND ($patients IS NULL OR n.key IN $patients)
       OR EXISTS { MATCH (n)-[r]->(p:Patient) WHERE r.path IN $paths AND p.placeholder IS NULL AND p.deleted IS NULL
                   AND ($patients IS NULL OR p.key IN $patients) })
