// Bulk export start for Provenance at Patient and Group level: the Provenance resources whose Provenance.target is a
// resource in the Patient compartment of any patient ($patients null) or of one of $patients, as the Bulk Data IG
// asks when includeAssociatedData does not say otherwise (this covers the Provenance in the compartment itself, whose
// target is the patient). A target's compartments are the patients the writer keeps in t.compartments (a Patient's
// own key too). Binds n; composed like export-type.
MATCH (n:Provenance)
WHERE EXISTS { MATCH (n)-[r]->(t:Resource)
               WHERE r.path = 'Provenance.target' AND t.placeholder IS NULL AND t.deleted IS NULL
                 AND any(c IN coalesce(t.compartments, []) WHERE $patients IS NULL OR c IN $patients) }
