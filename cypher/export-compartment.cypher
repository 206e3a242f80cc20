// Bulk export start, Patient level: the resources of type $type (a label) in the Patient compartment of any current
// patient, streamed from a scan of the type. A resource is in a patient's compartment when it is that patient or has a
// relationship to it whose path is one of the compartment's reference paths $paths (HAPI's R4 compartment definitions).
// Binds n; composed like export-type.
MATCH (n:$($type))
WHERE n:Patient
   OR EXISTS { MATCH (n)-[r]->(p:Patient) WHERE r.path IN $paths AND p.placeholder IS NULL AND p.deleted IS NULL }
