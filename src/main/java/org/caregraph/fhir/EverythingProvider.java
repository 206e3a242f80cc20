package org.caregraph.fhir;

import org.caregraph.security.Access;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.PatientCompartment;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.neo4j.driver.Value;
import org.springframework.stereotype.Component;

/**
 * {@code GET /fhir/Patient/[id]/$everything}: the patient, its Patient compartment and what that references directly
 * (everything.cypher, read through {@link GraphReader}), as a searchset Bundle sorted by key. Paged by keyset: the
 * next link carries the last key of the page ({@code _cursor}), so a page is one bounded read however deep it is, and
 * pages stay stable while other patients change. {@code _type} and {@code _since} filter; {@code _count} is the page
 * size. A plain provider (not the Patient resource provider): HAPI binds its operation to the Patient type.
 */
@Component
public class EverythingProvider {
    static final int DEFAULT_COUNT = 100;
    static final int MAX_COUNT = 1000;

    private final FhirContext fhir;
    private final GraphReader reader;
    private final PatientCompartment compartment;

    public EverythingProvider(FhirContext fhir, GraphReader reader, PatientCompartment compartment) {
        this.fhir = fhir;
        this.reader = reader;
        this.compartment = compartment;
    }

    private record Page(int total, int remaining, List<Map<String, Object>> rows) {
    }

    @Operation(name = "$everything", idempotent = true, type = Encounter.class)
    public Bundle encounterEverything(@IdParam IdType id,
                                      @OperationParam(name = "_type", max = OperationParam.MAX_UNLIMITED) List<StringType> type,
                                      @OperationParam(name = "_since") StringType sinceParam,
                                      @OperationParam(name = "_count") IntegerType countParam,
                                      @OperationParam(name = "_cursor") StringType cursor,
                                      RequestDetails request) {
        return everything("Encounter", id, type, sinceParam, null, null, countParam, cursor, request);
    }

    @Operation(name = "$everything", idempotent = true, type = Patient.class)
    public Bundle everything(@IdParam IdType id,
                             @OperationParam(name = "_type", max = OperationParam.MAX_UNLIMITED) List<StringType> type,
                             @OperationParam(name = "_since") StringType sinceParam,
                             @OperationParam(name = "start") StringType start,
                             @OperationParam(name = "end") StringType end,
                             @OperationParam(name = "_count") IntegerType countParam,
                             @OperationParam(name = "_cursor") StringType cursor,
                             RequestDetails request) {
        return everything("Patient", id, type, sinceParam, start, end, countParam, cursor, request);
    }

    /** A care-date bound of Patient/$everything ({@code start}, {@code end}): a date's first or last millisecond. */
    private static Long careDate(StringType value, boolean first) {
        if (value == null || value.getValue() == null || value.getValue().isBlank()) return null;
        long[] range = org.caregraph.search.SearchRanges.date(value.getValue().strip());
        if (range == null) throw new InvalidRequestException((first ? "start" : "end") + ": '" + value.getValue() + "' is not a FHIR date");
        return first ? range[0] : range[1];
    }

    private Bundle everything(String focus, IdType id, List<StringType> type, StringType sinceParam, StringType start,
                              StringType end, IntegerType countParam, StringType cursor, RequestDetails request) {
        List<String> types = OperationParams.types(fhir, type);
        String since = OperationParams.since(sinceParam);
        int count = countParam == null || countParam.getValue() == null ? DEFAULT_COUNT : countParam.getValue();
        if (count < 0) throw new InvalidRequestException("_count must not be negative");
        count = Math.min(count, MAX_COUNT);
        String after = cursor == null || cursor.getValue() == null || cursor.getValue().isBlank() ? null : cursor.getValue();

        Map<String, Object> params = new HashMap<>();
        params.put("key", focus + "/" + id.getIdPart());
        params.put("focusType", focus);
        params.put("paths", focus.equals("Patient") ? compartment.paths() : null);
        params.put("types", types);
        params.put("since", since);
        params.put("start", careDate(start, true));
        params.put("end", careDate(end, false));
        params.put("after", after);
        params.put("count", count);
        Page page = reader.list(Access.current(), "everything", params, r -> new Page(r.get("total").asInt(), r.get("remaining").asInt(),
                r.get("page").asList(Value::asMap))).stream().findFirst()
                .orElseThrow(() -> new ResourceNotFoundException(new IdType(focus, id.getIdPart())));

        String base = request.getFhirServerBase();
        Bundle bundle = new Bundle().setType(Bundle.BundleType.SEARCHSET).setTotal(page.total());
        bundle.getMeta().setLastUpdatedElement(InstantType.now());
        bundle.addLink().setRelation("self").setUrl(request.getCompleteUrl());
        String last = null;
        for (Map<String, Object> row : page.rows()) {
            String resourceType = (String) row.get("type");
            String rid = (String) row.get("id");
            Resource resource = (Resource) HistoryBundle.resource(fhir, resourceType, rid, (String) row.get("json"),
                    (Long) row.get("versionId"), (String) row.get("lastUpdated"), false);
            bundle.addEntry().setFullUrl(base + "/" + resourceType + "/" + rid).setResource(resource).getSearch()
                    .setMode("match".equals(row.get("mode")) ? Bundle.SearchEntryMode.MATCH : Bundle.SearchEntryMode.INCLUDE);
            last = (String) row.get("key");
        }
        if (last != null && page.remaining() > page.rows().size()) {
            StringJoiner query = new StringJoiner("&", base + "/" + focus + "/" + id.getIdPart() + "/$everything?", "");
            query.add("_count=" + count);
            if (types != null) query.add("_type=" + encode(String.join(",", types)));
            if (since != null) query.add("_since=" + encode(since));
            if (start != null && start.hasValue()) query.add("start=" + encode(start.getValue()));
            if (end != null && end.hasValue()) query.add("end=" + encode(end.getValue()));
            query.add("_cursor=" + encode(last));
            bundle.addLink().setRelation("next").setUrl(query.toString());
        }
        return bundle;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
