package org.caregraph.ingest;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * HTTP import jobs: {@code POST /import {"inputs": ["synthea/", "https://allowed/host/Patient.ndjson"]}} → 202 with the
 * job; {@code GET /import/{id}} polls status and counts; {@code GET /import/{id}/errors} returns the NDJSON report.
 */
@RestController
@RequestMapping("/import")
class ImportController {
    private final ImportJobs jobs;

    ImportController(ImportJobs jobs) {
        this.jobs = jobs;
    }

    record ImportRequest(List<String> inputs) {
    }

    record JobView(String id, ImportJobs.Status status, List<String> inputs, String submitted, String started,
                   String finished, long files, long read, long imported, long written, long unchanged, long failed,
                   double resourcesPerSecond, String message, String errorReport, int resumed) {
        static JobView of(ImportJobs.Job j) {
            ImportProgress p = j.progress();
            return new JobView(j.id(), j.status(), j.inputs(), String.valueOf(j.submitted()),
                    j.started() == null ? null : j.started().toString(), j.finished() == null ? null : j.finished().toString(),
                    p.files(), p.read(), p.imported(), p.written(), p.unchanged(), p.failed(), Math.round(p.perSecond()), j.message(),
                    "/import/" + j.id() + "/errors", j.resumed());
        }
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<JobView> start(@RequestBody ImportRequest request) {
        ImportJobs.Job job = jobs.submit(request == null ? null : request.inputs());
        return ResponseEntity.accepted().location(URI.create("/import/" + job.id())).body(JobView.of(job));
    }

    @GetMapping
    List<JobView> list() {
        return jobs.list().stream().sorted(Comparator.comparing(ImportJobs.Job::submitted)).map(JobView::of).toList();
    }

    @GetMapping("/{id}")
    ResponseEntity<?> status(@PathVariable String id) {
        return jobs.get(id).<ResponseEntity<?>>map(j -> ResponseEntity.ok(JobView.of(j)))
                .orElseGet(() -> outcome(404, "not-found", "no import job " + id));
    }

    @GetMapping("/{id}/errors")
    ResponseEntity<?> errors(@PathVariable String id) throws IOException {
        var job = jobs.get(id);
        if (job.isEmpty()) return outcome(404, "not-found", "no import job " + id);
        var file = job.get().errorReport();
        Resource body = Files.exists(file) ? new FileSystemResource(file) : new ByteArrayResource(new byte[0]);
        return ResponseEntity.ok().contentType(MediaType.parseMediaType("application/x-ndjson")).body(body);
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<?> refused(IllegalArgumentException e) {
        return outcome(400, "invalid", e.getMessage());
    }

    static ResponseEntity<?> outcome(int status, String code, String diagnostics) {
        return ResponseEntity.status(status).contentType(MediaType.parseMediaType("application/fhir+json"))
                .body(Map.of("resourceType", "OperationOutcome",
                        "issue", List.of(Map.of("severity", "error", "code", code, "diagnostics", diagnostics))));
    }
}
