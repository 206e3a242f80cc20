package org.caregraph.admin;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.caregraph.graph.GraphCheck;
import org.caregraph.security.AccessContext;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The store's operations on a serving instance (scope {@code system/caregraph.admin}, SecurityConfig):
 * {@code GET /admin/backup} streams a consistent backup ({@link GraphBackup}, gzip NDJSON: a stream without its
 * trailer line is incomplete) and {@code GET /admin/check} runs the consistency check ({@link GraphCheck}) and answers
 * its report. One of each at a time: a second gets 409.
 */
@RestController
@RequestMapping("/admin")
class AdminController {
    static final MediaType BACKUP = MediaType.parseMediaType("application/gzip");

    private final GraphBackup backup;
    private final GraphCheck check;
    private final Semaphore backups = new Semaphore(1);
    private final Semaphore checks = new Semaphore(1);

    AdminController(GraphBackup backup, GraphCheck check) {
        this.backup = backup;
        this.check = check;
    }

    @GetMapping("/backup")
    void backup(HttpServletResponse response) throws IOException {
        if (!backups.tryAcquire()) {
            busy(response, "a backup is running already");
            return;
        }
        try {
            response.setContentType(BACKUP.toString());
            response.setHeader("Content-Disposition", "attachment; filename=\"caregraph-backup.ndjson.gz\"");
            backup.write(response.getOutputStream());
        } finally {
            backups.release();
        }
    }

    @GetMapping("/check")
    ResponseEntity<?> check() {
        if (!checks.tryAcquire()) return outcome(409, "a check is running already");
        try {
            return ResponseEntity.ok(check.run(AccessContext.service("check"), n -> { }));
        } finally {
            checks.release();
        }
    }

    private static void busy(HttpServletResponse response, String why) throws IOException {
        response.setStatus(409);
        response.setContentType("application/fhir+json");
        response.getWriter().write(tools.jackson.databind.json.JsonMapper.builder().build()
                .writeValueAsString(outcome(409, why).getBody()));
    }

    private static ResponseEntity<Map<String, Object>> outcome(int status, String diagnostics) {
        return ResponseEntity.status(status).contentType(MediaType.parseMediaType("application/fhir+json"))
                .body(Map.of("resourceType", "OperationOutcome",
                        "issue", List.of(Map.of("severity", "error", "code", "conflict", "diagnostics", diagnostics))));
    }
}
