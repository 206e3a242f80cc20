package org.caregraph.fhir.export;

import org.caregraph.fhir.FhirAccess;
import org.caregraph.security.SmartScope;
import org.caregraph.security.AccessContext;
import org.caregraph.security.Access;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.caregraph.fhir.OperationParams;
import org.caregraph.graph.PatientCompartment;
import org.caregraph.graph.GraphReader;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.StringType;
import org.neo4j.driver.Value;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * FHIR Bulk Data Access 2.0 kick-off: {@code $export} at system, {@code Patient} and {@code Group/[id]} level. Checks
 * the request (Prefer: respond-async, _outputFormat, _type, _since; 400 otherwise), resolves what to export (the types
 * present, a Group's member patients, the transactionTime) and queues an {@link ExportJobs} job: 202 with the status
 * URL (served by {@link ExportController} at /export/{id}, outside the FHIR servlet) in Content-Location.
 */
@Component
public class ExportProvider {
    static final Set<String> FORMATS = Set.of("application/fhir+ndjson", "application/ndjson", "ndjson");
    /** Bulk Data kick-off parameters this server does not implement. */
    static final List<String> UNSUPPORTED = List.of("_elements", "patient", "_typeFilter", "includeAssociatedData");

    private final FhirContext fhir;
    private final GraphReader reader;
    private final PatientCompartment compartment;
    private final ExportJobs jobs;

    public ExportProvider(FhirContext fhir, GraphReader reader, PatientCompartment compartment, ExportJobs jobs) {
        this.fhir = fhir;
        this.reader = reader;
        this.compartment = compartment;
        this.jobs = jobs;
    }

    // the parameters (_outputFormat, _type, _since) are read from the query string: Bulk Data requires GET kick-off
    // (POST with a Parameters body is optional and not offered)

    /** {@code GET /fhir/$export}: every resource of the (requested) types. */
    @Operation(name = "$export", idempotent = true, manualResponse = true)
    public void systemExport(ServletRequestDetails request) throws IOException {
        kickOff(request, ExportJobs.Level.SYSTEM, null);
    }

    /** {@code GET /fhir/Patient/$export}: every patient's compartment. */
    @Operation(name = "$export", idempotent = true, manualResponse = true, type = Patient.class)
    public void patientExport(ServletRequestDetails request) throws IOException {
        kickOff(request, ExportJobs.Level.PATIENT, null);
    }

    /** {@code GET /fhir/Group/[id]/$export}: the compartments of the Group's member patients (Group.member.entity). */
    @Operation(name = "$export", idempotent = true, manualResponse = true, type = Group.class)
    public void groupExport(@IdParam IdType id, ServletRequestDetails request) throws IOException {
        kickOff(request, ExportJobs.Level.GROUP, id);
    }

    private static List<StringType> param(ServletRequestDetails request, String name) {
        String[] values = request.getParameters().get(name);
        return values == null ? List.of() : Arrays.stream(values).map(StringType::new).toList();
    }

    private void kickOff(ServletRequestDetails request, ExportJobs.Level level, IdType group) throws IOException {
        String prefer = request.getHeader("Prefer");
        if (prefer == null || !prefer.toLowerCase().contains("respond-async")) {
            throw new InvalidRequestException("$export runs asynchronously: send the header 'Prefer: respond-async'");
        }
        // the spec's answer to what a server does not offer: an error, unless the client asked for leniency
        boolean lenient = prefer.toLowerCase().contains("handling=lenient");
        for (String unsupported : UNSUPPORTED) {
            if (!lenient && request.getParameters().containsKey(unsupported)) {
                throw new InvalidRequestException(unsupported + " is not supported by this server (send Prefer: handling=lenient to ignore it)");
            }
        }
        for (StringType outputFormat : param(request, "_outputFormat")) {
            // an unencoded '+' in a query string arrives as a space
            String format = outputFormat.getValue().strip().replace(' ', '+');
            if (!FORMATS.contains(format)) {
                throw new InvalidRequestException("_outputFormat '" + outputFormat.getValue() + "' is not supported: use application/fhir+ndjson");
            }
        }
        List<String> requested = OperationParams.types(fhir, param(request, "_type"));
        List<StringType> sinceValues = param(request, "_since");
        if (sinceValues.size() > 1) throw new InvalidRequestException("_since is given more than once");
        String since = OperationParams.since(sinceValues.isEmpty() ? null : sinceValues.getFirst());

        AccessContext access = Access.current();
        List<String> patients = null;
        if (level == ExportJobs.Level.GROUP) {
            patients = reader.list(access, "group-members", Map.of("key", "Group/" + group.getIdPart()), r -> r.get("members")
                    .asList(Value::asString)).stream().findFirst()
                    .orElseThrow(() -> new ResourceNotFoundException(new IdType("Group", group.getIdPart())));
        }
        // a patient's compartment holds only some types: asking for another at Patient or Group level is an error
        List<String> candidates = new ArrayList<>(requested != null ? requested : fhir.getResourceTypes());
        if (level != ExportJobs.Level.SYSTEM) {
            List<String> outside = candidates.stream().filter(t -> !compartment.types().contains(t)).toList();
            if (requested != null && !outside.isEmpty() && !lenient) {
                throw new InvalidRequestException("_type: " + String.join(", ", outside) + " not in the Patient compartment");
            }
            candidates.removeAll(outside);
        }
        // Bulk Data is for backend clients: a type is exported only to a caller that reads it at system level (its
        // scopes then confine nothing); naming another is refused, leaving _type out exports the types allowed
        List<String> denied = candidates.stream().filter(t -> !access.systemLevel(t, SmartScope.Action.READ)).toList();
        if (requested != null && !denied.isEmpty()) {
            throw FhirAccess.forbidden("_type: the token's scopes do not allow a system-level export of "
                    + String.join(", ", denied));
        }
        if (!denied.isEmpty() && denied.size() == candidates.size()) {
            throw FhirAccess.forbidden("the token's scopes allow no system-level export");
        }
        candidates.removeAll(denied);
        record Present(List<String> types, String now) {
        }
        Present present = reader.list(access, "export-types", Map.of("types", candidates),
                r -> new Present(r.get("types").asList(Value::asString), r.get("now").asString())).getFirst();

        String base = ServletUriComponentsBuilder.fromContextPath(request.getServletRequest()).toUriString();
        ExportJobs.Job job = jobs.submit(new ExportJobs.Request(request.getCompleteUrl(), base, level, present.types(),
                patients, since, present.now(), ExportJobs.owner(access)));

        HttpServletResponse response = request.getServletResponse();
        response.setStatus(202);
        response.setHeader("Content-Location", ExportController.statusUrl(base, job.id));
        response.setContentType("application/fhir+json");
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(ExportJobs.outcome(fhir, OperationOutcome.IssueType.INFORMATIONAL,
                "export job " + job.id + " accepted: " + present.types().size() + " types"));
    }
}
