// FHIR whole-system search without _type: the labels in the database (the schema's token store, no node is read);
// org.caregraph.fhir.search.GraphSearch keeps those that are resource types.
CALL db.labels() YIELD label
RETURN label
