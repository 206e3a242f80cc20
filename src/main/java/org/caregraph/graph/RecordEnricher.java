package org.caregraph.graph;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Derives more from a resource than its structure gives (NLP on notes), on every write path: {@link ResourceMapper#map}
 * applies it, so the import's mapping threads and the FHIR write path do the work outside the writer's lock. Optional:
 * without a bean the mapper maps as before.
 */
public interface RecordEnricher {

    /**
     * Before validation: removes from the incoming resource what {@link #enrich} adds, so that a resource read back and
     * written again (or re-imported) converges to the same content.
     */
    void strip(ObjectNode resource);

    /**
     * After mapping: the record, possibly with more JSON and an {@link ResourceRecord.Analysis}. Must not throw for a
     * resource that mapped: a failure goes into the analysis' error and the resource is still stored.
     *
     * @param mapper maps resources the enricher derives (they get no enrichment of their own)
     */
    ResourceRecord enrich(ObjectNode resource, ResourceRecord record, ResourceMapper mapper);

    /** Whether {@link #enrich} would add anything to this record (a bulk import sets those aside, see Importer). */
    boolean wants(ObjectNode resource, ResourceRecord record);

    /** Takes in what the graph holds now (the NLP lexicon): before the enrichments an import set aside. */
    void refresh();
}
