package org.caregraph.graph;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One FHIR resource as the writer stores it: the full JSON (lossless) plus what the graph derives from it.
 *
 * @param key         {@code Type/id}
 * @param json        the resource exactly as received (after bundle-local urn:uuid references were resolved)
 * @param hash        content hash of {@code json}; an unchanged resource is not written again
 * @param time        the clinically relevant instant (period start, effective, onset...), ISO-8601, or null
 * @param patient     key of the patient this resource is about, when it names one (drives the encounter chain)
 * @param identifiers {@code Type|system|value} keys of the resource's business identifiers
 */
public record ResourceRecord(
        String key, String type, String id, String json, String hash, String time, String patient,
        List<Ref> refs, List<Code> codes, List<String> identifiers) {

    /**
     * A reference element: relationship {@code rel} at FHIRPath {@code path} to {@code key}. {@code ident} is set for a
     * conditional reference that could not be resolved yet (the placeholder then carries that identifier).
     */
    public record Ref(String rel, String path, String key, String type, String id, String ident) {
    }

    /** A Coding: shared Concept {@code system|code}, linked at FHIRPath {@code path}. */
    public record Code(String key, String system, String code, String display, String path) {
    }

    /** The node's own properties, as write-resources.cypher takes them. */
    Map<String, Object> nodeParameters() {
        Map<String, Object> m = new HashMap<>();
        m.put("key", key);
        m.put("type", type);
        m.put("id", id);
        m.put("json", json);
        m.put("hash", hash);
        m.put("time", time);
        return m;
    }

    /**
     * Approximate transaction memory, for batching by size as well as by count: a Provenance of a long Synthea life
     * names tens of thousands of targets, and each relationship costs the transaction far more than its bytes here.
     */
    public int weight() {
        return json.length() + 1000 * (refs.size() + codes.size() + identifiers.size());
    }
}
