package org.caregraph.terminology;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One concept as a terminology file describes it: its preferred term ({@code display}, never null), its other terms,
 * whether it is active, and where the format has one, a category (SNOMED's semantic tag such as 'disorder') or the
 * term type of its display (RxNorm's TTY such as 'SCD').
 */
public record ConceptRow(String system, String code, String display, List<String> synonyms, boolean active,
                         String semanticTag, String termType) {

    public String key() {
        return system + "|" + code;
    }

    /** The row as terminology-concepts.cypher reads it. */
    Map<String, Object> parameters() {
        Map<String, Object> m = new HashMap<>();
        m.put("key", key());
        m.put("system", system);
        m.put("code", code);
        m.put("display", display);
        m.put("synonyms", synonyms);
        m.put("active", active);
        m.put("semanticTag", semanticTag);
        m.put("termType", termType);
        return m;
    }
}
