package org.caregraph.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A rejected record is reported even when its text cannot be encoded (found by ApiFuzzProperties). */
class ErrorReportTest {
    @Test
    void aLoneSurrogateIsReplacedNotFatal(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("errors.ndjson");
        try (ErrorReport report = new ErrorReport(file)) {
            report.add("x.ndjson", 1, "Patient", "a\uda8bb", "invalid", "bad \uda8b value", null);
            report.add("x.ndjson", 2, "Patient", "ok", "invalid", "next", null);
            assertThat(report.count()).isEqualTo(2);
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(text.lines()).hasSize(2);
        assertThat(text).contains("\"line\":2");
    }
}
