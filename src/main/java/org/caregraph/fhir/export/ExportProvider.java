package org.caregraph.fhir.export;

import static org.caregraph.fhir.export.KickOffParameters.ASSOCIATED;
import static org.caregraph.fhir.export.KickOffParameters.ELEMENTS;
import static org.caregraph.fhir.export.KickOffParameters.OUTPUT_FORMAT;
import static org.caregraph.fhir.export.KickOffParameters.PATIENT;
import static org.caregraph.fhir.export.KickOffParameters.SINCE;
import static org.caregraph.fhir.export.KickOffParameters.TYPE;
import static org.caregraph.fhir.export.KickOffParameters.TYPE_FILTER;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.caregraph.fhir.FhirAccess;
import org.caregraph.fhir.OperationParams;
import org.caregraph.fhir.ResourceMatcher;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.PatientCompartment;
import org.caregraph.security.Access;
import org.caregraph.security.AccessContext;
import org.caregraph.security.SmartScope;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.StringType;
import org.neo4j.driver.Value;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * FHIR Bulk Data Access 2.0.0 kick-off: {@code $export} at system, {@code Patient} and {@code Group/[id]} level, by GET
 * (query parameters) or POST (a Parameters body). Requires {@code Accept: application/fhir+json} and
 * {@code Prefer: respond-async}; checks every parameter of the IG ({@code _outputFormat}, {@code _since},
 * {@code _type}, {@code _elements}, {@code patient}, {@code includeAssociatedData}, {@code _typeFilter}): what cannot
 * be honoured is a 400 with an OperationOutcome, or, under {@code Prefer: handling=lenient} where passing it over is
 * safe, a warning in the manifest's error file; then resolves what to export (the types present, the patients, the
 * transactionTime) and queues an {@link ExportJobs} job: 202 with the status URL (served by {@link ExportController}
 * at /export/{id}, outside the FHIR servlet) in Content-Location.
 */
@Component
public class ExportProvider {
    static final Set<String> FORMATS = Set.of("application/fhir+ndjson", "application/ndjson", "ndjson");
    static final String FHIR_JSON = "application/fhir+json";
    /** Search result parameters, which the IG forbids in a _typeFilter query. */
    static final Set<String> RESULT_PARAMETERS = Set.of("_include", "_revinclude", "_sort", "_count", "_summary",
            "_elements", "_total", "_contained", "_containedType", "_maxresults", "_format", "_pretty");
    /** Between two _typeFilter queries: a comma before the next query's type ("Type?"); one inside a query stays. */
    private static final Pattern QUERY_SEPARATOR = Pattern.compile(",(?=\\s*[A-Z][A-Za-z]*\\?)");
    private static final String PROVENANCE = "Provenance";

    private final FhirContext fhir;
    private final GraphReader reader;
    private final PatientCompartment compartment;
    private final ResourceMatcher matcher;
    private final ExportJobs jobs;

    public ExportProvider(FhirContext fhir, GraphReader reader, PatientCompartment compartment, ResourceMatcher matcher,
                          ExportJobs jobs) {
        this.fhir = fhir;
        this.reader = reader;
        this.compartment = compartment;
        this.matcher = matcher;
        this.jobs = jobs;
    }

    /** {@code [base]/$export}: every resource of the (requested) types. */
    @Operation(name = "$export", idempotent = true, manualResponse = true, manualRequest = true,
            canonicalUrl = ExportCapabilities.EXPORT)
    public void systemExport(ServletRequestDetails request) throws IOException {
        kickOff(request, ExportJobs.Level.SYSTEM, null);
    }

    /** {@code [base]/Patient/$export}: every patient's compartment. */
    @Operation(name = "$export", idempotent = true, manualResponse = true, manualRequest = true, type = Patient.class,
            canonicalUrl = ExportCapabilities.PATIENT_EXPORT)
    public void patientExport(ServletRequestDetails request) throws IOException {
        kickOff(request, ExportJobs.Level.PATIENT, null);
    }

    /** {@code [base]/Group/[id]/$export}: the compartments of the Group's member patients (Group.member.entity). */
    @Operation(name = "$export", idempotent = true, manualResponse = true, manualRequest = true, type = Group.class,
            canonicalUrl = ExportCapabilities.GROUP_EXPORT)
    public void groupExport(@IdParam IdType id, ServletRequestDetails request) throws IOException {
        kickOff(request, ExportJobs.Level.GROUP, id);
    }

    /** What a kick-off passes over under {@code handling=lenient}, or refuses (400) without it. */
    private static final class Problems {
        final boolean lenient;
        final List<ExportJobs.Note> notes = new ArrayList<>();

        Problems(boolean lenient) {
            this.lenient = lenient;
        }

        void report(OperationOutcome.IssueType code, String diagnostics) {
            if (!lenient) throw new InvalidRequestException(diagnostics + " (send Prefer: handling=lenient to have it passed over)");
            notes.add(new ExportJobs.Note(code.toCode(), diagnostics + ": passed over (Prefer: handling=lenient)"));
        }
    }

    private void kickOff(ServletRequestDetails request, ExportJobs.Level level, IdType group) throws IOException {
        if (!headerTokens(request, "Accept", ",").contains(FHIR_JSON)) {
            throw new InvalidRequestException("$export answers in application/fhir+json: send the header 'Accept: application/fhir+json'");
        }
        Set<String> prefer = headerTokens(request, "Prefer", "[,;]");
        if (!prefer.contains("respond-async")) {
            throw new InvalidRequestException("$export runs asynchronously: send the header 'Prefer: respond-async'");
        }
        Problems problems = new Problems(prefer.contains("handling=lenient"));
        KickOffParameters params = KickOffParameters.read(fhir, request);
        for (String name : params.names()) {
            if (!KickOffParameters.DEFINED.contains(name) && !KickOffParameters.GENERAL.contains(name)) {
                problems.report(OperationOutcome.IssueType.NOTSUPPORTED, "parameter '" + name + "' is not a Bulk Data kick-off parameter this server supports");
            }
        }
        String format = params.single(OUTPUT_FORMAT);
        // an unencoded '+' in a query string arrives as a space
        if (format != null && !FORMATS.contains(format.strip().replace(' ', '+'))) {
            throw new InvalidRequestException("_outputFormat '" + format + "' is not supported: use application/fhir+ndjson (or application/ndjson, ndjson)");
        }
        String sinceValue = params.single(SINCE);
        String since = OperationParams.since(sinceValue == null ? null : new StringType(sinceValue));
        if (since != null && Instant.parse(since).isAfter(Instant.now())) {
            throw new InvalidRequestException("_since " + sinceValue + " is in the future");
        }

        AccessContext access = Access.current();
        List<String> patients = patients(params, level, group, access, problems);
        List<String> types = types(params, level, access, problems);
        ExportJobs.Associated associated = associated(params, access, problems);
        Map<String, List<String>> typeFilters = typeFilters(params, types, access, problems);
        List<String> elements = new ArrayList<>();
        for (String element : params.list(ELEMENTS)) {
            String problem = ExportElements.problem(fhir, element);
            if (problem == null) elements.add(element);
            else problems.report(OperationOutcome.IssueType.NOTSUPPORTED, problem);
        }
        // LatestProvenanceResources: only the latest Provenance of what is exported, none other
        if (associated == ExportJobs.Associated.LATEST) types.remove(PROVENANCE);

        record Present(List<String> types, String now) {
        }
        Present present = reader.list(access, "export-types", Map.of("types", types),
                r -> new Present(r.get("types").asList(Value::asString), r.get("now").asString())).getFirst();
        String base = ServletUriComponentsBuilder.fromContextPath(request.getServletRequest()).toUriString();
        ExportJobs.Job job = jobs.submit(new ExportJobs.Request(request.getCompleteUrl(), base, level, present.types(),
                patients, since, present.now(), ExportJobs.owner(access), typeFilters,
                elements.isEmpty() ? null : elements, associated, problems.notes), access);

        HttpServletResponse response = request.getServletResponse();
        response.setStatus(202);
        response.setHeader("Content-Location", ExportController.statusUrl(base, job.id));
        response.setContentType(FHIR_JSON);
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(ExportJobs.outcome(fhir, OperationOutcome.IssueType.INFORMATIONAL,
                "export job " + job.id + " accepted: " + present.types().size() + " types"
                        + (problems.notes.isEmpty() ? "" : ", " + problems.notes.size() + " parameter problems passed over")));
    }

    /** The tokens of a header (all its occurrences), split at {@code separators}, trimmed, lower case, parameters off. */
    private static Set<String> headerTokens(ServletRequestDetails request, String header, String separators) {
        Set<String> tokens = new LinkedHashSet<>();
        for (String value : Collections.list(request.getServletRequest().getHeaders(header))) {
            for (String token : value.split(separators)) {
                String t = token.strip().toLowerCase();
                // a media range's parameters (";q=0.9") do not matter here
                tokens.add("Accept".equals(header) ? t.replaceFirst("\\s*;.*$", "") : t.replace(" ", ""));
            }
        }
        return tokens;
    }

    /**
     * The types to export: _type's (each a known type; at Patient and Group level in the Patient compartment), else
     * every type; then only those the token reads at system level (naming another is 403).
     */
    private List<String> types(KickOffParameters params, ExportJobs.Level level, AccessContext access, Problems problems) {
        List<String> candidates = new ArrayList<>();
        boolean requested = params.has(TYPE);
        for (String type : requested ? params.list(TYPE) : fhir.getResourceTypes().stream().sorted().toList()) {
            if (!fhir.getResourceTypes().contains(type)) {
                problems.report(OperationOutcome.IssueType.NOTSUPPORTED, "_type: '" + type + "' is not a FHIR R4 resource type");
            } else if (level != ExportJobs.Level.SYSTEM && !compartment.types().contains(type)) {
                // a patient's compartment holds only some types
                if (requested) problems.report(OperationOutcome.IssueType.NOTSUPPORTED, "_type: " + type + " is not in the Patient compartment");
            } else if (!candidates.contains(type)) {
                candidates.add(type);
            }
        }
        // Bulk Data is for backend clients: a type is exported only to a caller that reads it at system level (its
        // scopes then confine nothing); naming another is refused, leaving _type out exports the types allowed
        List<String> denied = candidates.stream().filter(t -> !access.systemLevel(t, SmartScope.Action.READ)).toList();
        if (requested && !denied.isEmpty()) {
            throw FhirAccess.forbidden("_type: the token's scopes do not allow a system-level export of " + String.join(", ", denied));
        }
        if (!candidates.isEmpty() && denied.size() == candidates.size()) {
            throw FhirAccess.forbidden("the token's scopes allow no system-level export");
        }
        candidates.removeAll(denied);
        return candidates;
    }

    /**
     * The patients whose compartments the export covers: a Group's members, narrowed to the patient parameter when
     * given (at Patient level: those patients); null for every patient (Patient level without it, and system level).
     */
    private List<String> patients(KickOffParameters params, ExportJobs.Level level, IdType group, AccessContext access,
                                  Problems problems) {
        List<String> members = null;
        if (level == ExportJobs.Level.GROUP) {
            members = reader.list(access, "group-members", Map.of("key", "Group/" + group.getIdPart()),
                    r -> r.get("members").asList(Value::asString)).stream().findFirst()
                    .orElseThrow(() -> new ResourceNotFoundException(new IdType("Group", group.getIdPart())));
        }
        if (!params.has(PATIENT)) return members;
        if (level == ExportJobs.Level.SYSTEM) {
            // passing it over would widen the export to everyone: refused even when lenient
            throw new InvalidRequestException("patient applies to Patient- and Group-level exports, not to a system-level one");
        }
        Set<String> chosen = new LinkedHashSet<>();
        for (String reference : params.list(PATIENT)) {
            IdType id = new IdType(reference);
            String key = "Patient/" + id.getIdPart();
            if (!"Patient".equals(id.getResourceType()) || id.getIdPart() == null) {
                problems.report(OperationOutcome.IssueType.INVALID, "patient: '" + reference + "' is not a reference to a Patient");
            } else if (reader.read(access, key).isEmpty()) {
                problems.report(OperationOutcome.IssueType.NOTFOUND, "patient: " + key + " is not present on this server");
            } else if (members != null && !members.contains(key)) {
                problems.report(OperationOutcome.IssueType.NOTFOUND, "patient: " + key + " is not a member of Group/" + group.getIdPart());
            } else {
                chosen.add(key);
            }
        }
        return List.copyOf(chosen);
    }

    private ExportJobs.Associated associated(KickOffParameters params, AccessContext access, Problems problems) {
        ExportJobs.Associated associated = ExportJobs.Associated.NONE;
        for (String value : params.list(ASSOCIATED)) {
            switch (value) {
                // conflicting values: the least restrictive wins
                case "RelevantProvenanceResources" -> associated = ExportJobs.Associated.RELEVANT;
                case "LatestProvenanceResources" -> {
                    if (associated == ExportJobs.Associated.NONE) associated = ExportJobs.Associated.LATEST;
                }
                default -> problems.report(OperationOutcome.IssueType.NOTSUPPORTED, "includeAssociatedData: '" + value
                        + "' is not supported (LatestProvenanceResources and RelevantProvenanceResources are)");
            }
        }
        if (associated != ExportJobs.Associated.NONE && !access.systemLevel(PROVENANCE, SmartScope.Action.READ)) {
            throw FhirAccess.forbidden("includeAssociatedData: the token's scopes do not allow a system-level export of Provenance");
        }
        return associated;
    }

    /**
     * _typeFilter: per type, its FHIR search queries ({@code Type?query}), each planned once here as the caller (an
     * unknown or malformed parameter is found now, not in the job) and run by the job.
     */
    private Map<String, List<String>> typeFilters(KickOffParameters params, List<String> types, AccessContext access,
                                                  Problems problems) {
        Map<String, List<String>> filters = new LinkedHashMap<>();
        for (String value : params.raw(TYPE_FILTER)) {
            for (String filter : QUERY_SEPARATOR.split(value)) {
                filter = filter.strip();
                if (filter.isEmpty()) continue;
                int q = filter.indexOf('?');
                String type = q < 0 ? filter : filter.substring(0, q);
                String query = q < 0 ? "" : filter.substring(q + 1);
                String problem = typeFilterProblem(type, query, types, access);
                if (problem != null) {
                    problems.report(OperationOutcome.IssueType.NOTSUPPORTED, "_typeFilter '" + filter + "': " + problem);
                } else {
                    filters.computeIfAbsent(type, t -> new ArrayList<>()).add(query);
                }
            }
        }
        return filters;
    }

    private String typeFilterProblem(String type, String query, List<String> types, AccessContext access) {
        if (!fhir.getResourceTypes().contains(type)) return "'" + type + "' is not a FHIR R4 resource type";
        if (query.isBlank()) return "no search parameters after '" + type + "?'";
        for (String pair : query.split("&")) {
            String name = pair.split("=", 2)[0].split(":", 2)[0];
            if (RESULT_PARAMETERS.contains(name)) return "the search result parameter " + name + " is not allowed in _typeFilter";
        }
        // _type leaves it out, or it is outside the Patient compartment, or the token does not export it
        if (!types.contains(type)) return type + " is not among the exported types";
        try {
            matcher.match(access, type, query, 0);
            return null;
        } catch (InvalidRequestException e) {
            return e.getMessage();
        }
    }
}
