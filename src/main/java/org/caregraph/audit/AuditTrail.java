package org.caregraph.audit;

import ca.uhn.fhir.context.FhirContext;
import jakarta.servlet.Filter;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.caregraph.admin.AuditPosition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.stereotype.Component;

/**
 * The audit trail of the HTTP server: its log ({@link AuditLog}, opened at startup) and the filter that records every
 * request on a PHI-bearing path ({@link AuditFilter}, which SecurityConfig puts right after Spring Security's
 * SecurityContextHolderFilter, so that it sees every request, refused ones included). Only the web server records:
 * CLI commands are the operator's own work.
 */
@Component
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public class AuditTrail implements AutoCloseable, AuditPosition {
    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);

    private final AuditLog auditLog;
    /** caregraph.audit.enabled */
    private final AuditEvents events;
    private volatile boolean enabled;

    public AuditTrail(AuditProperties props, FhirContext fhir) throws IOException {
        this.auditLog = AuditLog.open(props.dir(), props.maxFileSize().toBytes());
        this.events = new AuditEvents(fhir);
        this.enabled = props.enabled();
        if (!enabled) log.warn("AUDIT IS OFF (caregraph.audit.enabled=false): PHI requests are served without being recorded");
        log.info("audit log: {} ({} records)", props.dir().toAbsolutePath(), auditLog.size());
    }

    /** The servlet filter for Spring Security's chain. */
    public Filter filter() {
        return new AuditFilter(this);
    }

    /** Recording on or off at run time: for the API benchmark, which compares both in one process. */
    public void setEnabled(boolean on) {
        enabled = on;
    }

    boolean enabled() {
        return enabled;
    }

    /** Appends the event of {@code facts}, durably; throws {@link AuditUnavailableException} when it cannot. */
    void record(AuditEvents.Facts facts) {
        auditLog.append(events.json(facts), facts.end());
    }

    /** The log (its size and flush count: what the benchmark reports of group commit). */
    public AuditLog log() {
        return auditLog;
    }

    /** Where the log stands, for a backup's cut (empty before the first record). */
    @Override
    public Optional<Mark> current() {
        Map.Entry<Long, String> last = auditLog.last();
        return last.getKey() == 0 ? Optional.empty() : Optional.of(new Mark(last.getKey(), last.getValue()));
    }

    @Override
    public void close() throws IOException {
        auditLog.close();
    }
}
