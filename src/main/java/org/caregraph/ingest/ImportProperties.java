package org.caregraph.ingest;

import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Confinement of HTTP import jobs: a path must lie under {@code root} (no "..", no symlink escape) and a URL must
 * start with one of {@code allowedUrlPrefixes}; the server never reads an arbitrary file or address for a caller.
 * {@code workDir} holds downloads and error reports.
 */
@ConfigurationProperties("caregraph.import")
public record ImportProperties(Path root, List<String> allowedUrlPrefixes, Path workDir) {
    public ImportProperties {
        allowedUrlPrefixes = allowedUrlPrefixes == null ? List.of()
                : allowedUrlPrefixes.stream().filter(s -> !s.isBlank()).toList();
    }
}
