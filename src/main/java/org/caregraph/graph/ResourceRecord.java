package org.caregraph.graph;

import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One FHIR resource as the writer stores it: the full JSON (lossless) plus what the graph derives from it.
 * Serializable so that an import can set mapped notes aside on disk until their analysis (see Importer).
 *
 * @param key         {@code Type/id}
 * @param json        the resource exactly as received (after bundle-local urn:uuid references were resolved)
 * @param hash        hash of {@code json}; an unchanged resource is not written again
 * @param contentHash hash of the client's content, without what the server adds (a note's NLP analysis): when only
 *                    the additions change, the resource is rewritten in place, not as a new version
 * @param time        the clinically relevant instant (period start, effective, onset...), ISO-8601, or null
 * @param patient     key of the patient this resource is about, when it names one (drives the encounter chain)
 * @param identifiers {@code Type|system|value} keys of the resource's business identifiers
 * @param facts       the few scalar facts analytics filter on, as node properties (see {@link #FACTS})
 * @param search      the values of the resource's search parameters, as node properties named {@code sp.*}
 *                    ({@link org.caregraph.search.SearchIndexer}); the writer replaces all of them on every change
 * @param nlp         what NLP found in a note (a {@link RecordEnricher} sets it), written with it; null otherwise
 */
public record ResourceRecord(
        String key, String type, String id, String json, String hash, String contentHash, String time, String patient,
        List<Ref> refs, List<Code> codes, List<String> identifiers, Map<String, Object> facts, Map<String, Object> search,
        Analysis nlp) implements Serializable {

    /**
     * The analysis of a note, as write-mentions.cypher takes it.
     *
     * @param version  the analyzer's version, stored on the note as {@code nlpVersion}; null when the analysis failed or
     *                 could not read all the text (the note is then found again by {@code caregraph nlp rerun})
     * @param mentions {@code {concept: Concept key, props: MENTIONS relationship properties}}
     * @param concepts the Concepts the mentions point to, created when missing
     * @param derived  resources derived from the note (Condition, Observation...), written in the note's transaction;
     *                 earlier derived resources of the note that are not among them are deleted
     * @param error    why the analysis failed or is incomplete, for the import's error report; null when it did not
     */
    public record Analysis(String version, List<Map<String, Object>> mentions, List<Code> concepts,
                           List<ResourceRecord> derived, String error) implements Serializable {
        public Analysis {
            mentions = List.copyOf(mentions);
            concepts = List.copyOf(concepts);
            derived = List.copyOf(derived);
        }
    }

    /**
     * This record with {@code json} (the note with its analysis added) and {@code nlp}; the hash follows the json, the
     * content hash stays the client content's.
     */
    public ResourceRecord withAnalysis(String json, Analysis nlp) {
        return new ResourceRecord(key, type, id, json, ResourceMapper.hash(json), contentHash, time, patient, refs, codes,
                identifiers, facts, search, nlp);
    }

    /**
     * Node properties projected from the JSON for cohorts and journeys, always all written (null removes a stale one):
     * gender; end of the period; status; each numeric value with the concept it measures — parallel lists, so a
     * blood-pressure panel's systolic component keeps its own code; and the resource's codings (FHIRPath, system|code,
     * display as written; parallel lists) and the key of the encounter it names, so that a journey shows each event
     * without a traversal per event. The relationships and shared Concept nodes stay the graph's way to both.
     */
    public static final List<String> FACTS = List.of("gender", "end", "status", "valueKeys", "valueNumbers", "valueUnits",
            "codingPaths", "codingKeys", "codingDisplays", "encounter");

    /**
     * A reference element: relationship {@code rel} at FHIRPath {@code path} to {@code key}. {@code ident} is set for a
     * conditional reference that could not be resolved yet (the placeholder then carries that identifier).
     */
    public record Ref(String rel, String path, String key, String type, String id, String ident) implements Serializable {
    }

    /** A Coding: shared Concept {@code system|code}, linked at FHIRPath {@code path}. */
    public record Code(String key, String system, String code, String display, String path) implements Serializable {
    }

    /** The node's own properties, as write-resources.cypher takes them. */
    Map<String, Object> nodeParameters() {
        Map<String, Object> m = new HashMap<>();
        m.put("key", key);
        m.put("type", type);
        m.put("id", id);
        m.put("json", json);
        m.put("hash", hash);
        m.put("contentHash", contentHash);
        m.put("time", time);
        for (String f : FACTS) m.put(f, facts.get(f));
        m.put("search", search);
        return m;
    }

    /**
     * Approximate transaction memory, for batching by size as well as by count: a Provenance of a long Synthea life
     * names tens of thousands of targets, and each relationship costs the transaction far more than its bytes here.
     */
    public int weight() {
        int w = json.length() + 1000 * (refs.size() + codes.size() + identifiers.size());
        if (nlp != null) {
            w += 1000 * nlp.mentions().size();
            for (ResourceRecord d : nlp.derived()) w += d.weight();
        }
        return w;
    }
}
