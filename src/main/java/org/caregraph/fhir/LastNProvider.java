package org.caregraph.fhir;

import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.caregraph.fhir.search.GraphSearch;
import org.caregraph.search.SearchRanges;
import org.caregraph.security.Access;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Observation;
import org.springframework.stereotype.Component;

/**
 * {@code Observation/$lastn}: the {@code max} (default 1) most recent Observations of each code and subject among
 * those the other parameters select (any Observation search parameter, as a search), newest first within a group.
 * The search may select at most {@link #LIMIT} Observations (else 400: narrow it, e.g. by patient or category).
 */
@Component
public class LastNProvider {
    static final int LIMIT = 10_000;

    private final GraphSearch search;

    public LastNProvider(GraphSearch search) {
        this.search = search;
    }

    @Operation(name = "$lastn", idempotent = true, type = Observation.class, bundleType = ca.uhn.fhir.model.valueset.BundleTypeEnum.SEARCHSET)
    public IBundleProvider lastn(RequestDetails request) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        request.getParameters().forEach((k, v) -> params.put(k, Arrays.asList(v)));
        List<String> maxValues = params.remove("max");
        int max;
        try {
            max = maxValues == null ? 1 : Integer.parseInt(maxValues.getLast().strip());
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("max must be a number, not '" + maxValues.getLast() + "'");
        }
        if (max < 1) throw new InvalidRequestException("max must be at least 1");
        for (String result : List.of("_count", "_sort", "_total", "_summary", "_elements")) params.remove(result);
        params.put("_total", List.of("none"));
        IBundleProvider matches = search.search(Access.current(), "Observation", params, GraphResourceProvider.lenient(request));
        List<IBaseResource> all = matches.getResources(0, LIMIT + 1);
        if (all.size() > LIMIT) throw new InvalidRequestException("$lastn selects more than " + LIMIT + " Observations: narrow it (patient, category, code)");
        Map<String, List<Observation>> groups = all.stream().map(r -> (Observation) r).collect(Collectors.groupingBy(
                o -> o.getSubject().getReference() + " " + o.getCode().getCoding().stream().map(c -> c.getSystem() + "|" + c.getCode())
                        .sorted().collect(Collectors.joining(",")) + (o.getCode().hasCoding() ? "" : o.getCode().getText()),
                LinkedHashMap::new, Collectors.toList()));
        List<IBaseResource> out = new ArrayList<>();
        Comparator<Observation> newest = Comparator.comparingLong(LastNProvider::effective).reversed();
        for (List<Observation> group : groups.values()) out.addAll(group.stream().sorted(newest).limit(max).toList());
        return new SimpleBundleProvider(out);
    }

    /** When an Observation took effect (its effective[x] start, else issued), in epoch ms; unknown sorts last. */
    private static long effective(Observation o) {
        String when = o.hasEffectiveDateTimeType() ? o.getEffectiveDateTimeType().getValueAsString()
                : o.hasEffectivePeriod() && o.getEffectivePeriod().hasStart() ? o.getEffectivePeriod().getStartElement().getValueAsString()
                : o.hasEffectiveInstantType() ? o.getEffectiveInstantType().getValueAsString()
                : o.hasIssued() ? o.getIssuedElement().getValueAsString() : null;
        long[] range = when == null ? null : SearchRanges.date(when);
        return range == null ? Long.MIN_VALUE : range[0];
    }
}
