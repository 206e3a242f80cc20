package org.caregraph.fhir.export;

import org.caregraph.security.Access;
import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.core.io.FileSystemResource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Bulk Data status and files, outside the FHIR servlet: {@code GET /export/{id}} polls (202 with X-Progress and
 * Retry-After while running, 200 with the manifest and an Expires header when done, 500 with an OperationOutcome when
 * failed), {@code DELETE /export/{id}} cancels and deletes (202), {@code GET /export/{id}/{file}} serves an output
 * file. Unknown, cancelled and expired jobs (and their files) are 404 with an OperationOutcome.
 */
@RestController
@RequestMapping("/export")
class ExportController {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType FHIR_JSON = MediaType.parseMediaType("application/fhir+json");
    private static final MediaType NDJSON = MediaType.parseMediaType("application/fhir+ndjson");
    /** How long a client should wait between polls, in seconds. */
    private static final String RETRY_AFTER = "2";

    private final FhirContext fhir;
    private final ExportJobs jobs;

    ExportController(FhirContext fhir, ExportJobs jobs) {
        this.fhir = fhir;
        this.jobs = jobs;
    }

    static String statusUrl(String base, String id) {
        return base + "/export/" + id;
    }

    @GetMapping("/{id}")
    ResponseEntity<String> status(@PathVariable String id) {
        Optional<ExportJobs.Job> found = jobs.get(Access.current(), id);
        if (found.isEmpty()) return notFound(id);
        ExportJobs.Job job = found.get();
        return switch (job.status) {
            case QUEUED, RUNNING -> ResponseEntity.accepted().header("X-Progress", job.progress())
                    .header("Retry-After", RETRY_AFTER).build();
            case FAILED -> outcome(500, OperationOutcome.IssueType.EXCEPTION, "export job " + id + " failed: " + job.message);
            // Expires: when the files go (a cancel removes them earlier)
            case COMPLETED -> ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON)
                    .header("Expires", DateTimeFormatter.RFC_1123_DATE_TIME.format(jobs.expires(job).atOffset(ZoneOffset.UTC)))
                    .body(manifest(job));
        };
    }

    @DeleteMapping("/{id}")
    ResponseEntity<String> cancel(@PathVariable String id) {
        if (!jobs.cancel(Access.current(), id)) return notFound(id);
        return outcome(202, OperationOutcome.IssueType.INFORMATIONAL, "export job " + id + " cancelled, its files deleted");
    }

    @GetMapping("/{id}/{file}")
    ResponseEntity<?> file(@PathVariable String id, @PathVariable String file) {
        return jobs.get(Access.current(), id).flatMap(job -> jobs.file(job, file))
                .<ResponseEntity<?>>map(path -> ResponseEntity.ok().contentType(mediaType(file)).body(new FileSystemResource(path)))
                .orElseGet(() -> outcome(404, OperationOutcome.IssueType.NOTFOUND, "no file " + file + " in export job " + id));
    }

    /** Resource exports are NDJSON; the SQL on FHIR operations' outputs are what their extension says. */
    private static MediaType mediaType(String file) {
        String extension = file.substring(file.lastIndexOf('.') + 1);
        return switch (extension) {
            case "csv" -> MediaType.parseMediaType("text/csv");
            case "json" -> MediaType.APPLICATION_JSON;
            case "parquet" -> MediaType.parseMediaType("application/vnd.apache.parquet");
            default -> NDJSON;
        };
    }

    /** The completion manifest of the Bulk Data spec. */
    private String manifest(ExportJobs.Job job) {
        ExportJobs.Request request = job.request;
        String files = statusUrl(request.base(), job.id) + "/";
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("transactionTime", request.transactionTime());
        manifest.put("request", request.url());
        // the files are served only to the kick-off's client, with its token
        manifest.put("requiresAccessToken", true);
        ArrayNode output = manifest.putArray("output");
        for (ExportJobs.Output o : job.outputs) {
            output.addObject().put("type", o.type()).put("url", files + o.file()).put("count", o.count());
        }
        ArrayNode error = manifest.putArray("error");
        if (job.errors > 0) error.addObject().put("type", "OperationOutcome").put("url", files + ExportJobs.ERROR_FILE);
        return manifest.toString();
    }

    private ResponseEntity<String> notFound(String id) {
        return outcome(404, OperationOutcome.IssueType.NOTFOUND, "no export job " + id);
    }

    private ResponseEntity<String> outcome(int status, OperationOutcome.IssueType code, String diagnostics) {
        return ResponseEntity.status(status).contentType(FHIR_JSON).body(ExportJobs.outcome(fhir, code, diagnostics));
    }
}
