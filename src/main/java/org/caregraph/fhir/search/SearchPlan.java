package org.caregraph.fhir.search;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.caregraph.search.SearchParams;

/**
 * A FHIR search turned into what the graph query needs: where it starts (a start fragment of {@code cypher/search/}
 * with its parameters), the conditions of {@code search/filter}, the sort keys of {@code search/page}, and what the
 * result carries besides the matches (includes, total).
 *
 * @param anchor     the start fragment, e.g. {@code search/anchor-reference}
 * @param started    the condition the start enforces (not among {@code conditions}), or null
 * @param empty      a condition can match nothing (a chain without targets): no query runs
 * @param total      count the matches (Bundle.total; not with _total=none)
 * @param scored     sorted by full-text relevance (_sort=_score with _text or _content)
 * @param maxResults at most this many matches in all (_maxresults), or null
 */
public record SearchPlan(String type, String anchor, Map<String, Object> anchorParams, Map<String, Object> started,
                         List<Map<String, Object>> conditions,
                         List<Map<String, Object>> sorts, List<Boolean> desc, List<Include> includes,
                         List<Include> revincludes, boolean total, boolean empty, boolean scored, Integer maxResults) {

    /**
     * An _include ({@code source:param[:target]}) or _revinclude: for _include the resources that {@code source}
     * resources reference through {@code param}; for _revinclude the {@code source} resources that reference the
     * results through it ({@code _revinclude=*}: source and param null, any resource through any reference).
     */
    public record Include(String source, SearchParams.Param param, String target, boolean iterate) {
    }

    /** The parameters of the composed query (fragments read only these names). */
    Map<String, Object> parameters() {
        Map<String, Object> p = new HashMap<>(anchorParams);
        p.put("type", type);
        p.put("conditions", conditions);
        p.put("sorts", sorts);
        p.put("desc", desc);
        return p;
    }

    /** Whether the search starts at Concepts (a code): a common one may be read faster by {@code search/scan-by-key}. */
    boolean startsAtConcept() {
        return anchor.equals("search/anchor-concept") || anchor.equals("search/anchor-code");
    }

    /**
     * The parameters of {@code search/candidates} and of a {@code search/scan-by-key} start: the start's own condition
     * is checked on every scanned resource with the others.
     */
    Map<String, Object> scanParameters() {
        Map<String, Object> p = parameters();
        p.putIfAbsent("anchorKeys", List.of());
        p.putIfAbsent("anchorCodes", List.of());
        List<Map<String, Object>> all = new ArrayList<>(conditions);
        if (started != null) all.add(started);
        p.put("conditions", all);
        p.put("scanFrom", type + "/");
        p.put("scanTo", type + "0");
        return p;
    }

    /** The composed query: start fragment, filter, then the result fragment {@code result}. */
    String query(String result) {
        return anchor + "+search/filter+" + result;
    }
}
