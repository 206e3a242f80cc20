package org.caregraph.audit;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Audit settings ({@code caregraph.audit.*}).
 *
 * @param enabled     whether requests are recorded (default true; off only to measure what recording costs, or for
 *                    local experiments: the server warns loudly)
 * @param dir         the log's directory, outside the Neo4j store (default {@code <data-dir>/audit})
 * @param maxFileSize a log file this large is closed and the chain continues in the next one
 */
@ConfigurationProperties("caregraph.audit")
public record AuditProperties(boolean enabled, Path dir, DataSize maxFileSize) {
    public AuditProperties {
        if (dir == null) throw new IllegalArgumentException("caregraph.audit.dir is not set");
        if (maxFileSize == null) maxFileSize = DataSize.ofMegabytes(64);
    }
}
