// Bulk export start, Group level (and Patient level with the patient parameter): the resources of type $type (a
// label) in the Patient compartments of the patients $patients (their keys), read from the patients outward (not a
// scan of the type); a resource in two patients' compartments is bound once. Compartment as in export-compartment:
// the patient itself, or a relationship to it whose path is one of $paths. Binds n; composed like export-type.
UNWIND $patients AS member
MATCH (p:Resource:Patient {key: member})
CALL (p) {
  WITH p WHERE $type = 'Patient'
  RETURN p AS n
  UNION
  MATCH (p)<-[r]-(n:$($type))
  WHERE r.path IN $paths
  RETURN n
}
WITH DISTINCT n
