package org.caregraph.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `caregraph terminology load` in its own JVM on a fresh graph: summary, exit status, error report, idempotent re-run. */
class TerminologyCliTest {
    @TempDir Path dir;

    private record Run(int exit, String stdout) {
    }

    private Run caregraph(String... args) throws Exception {
        Process p = new ProcessBuilder(org.caregraph.CliProcess.java(List.of(), args)).directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void loadsReportsUnreadableLinesAndASecondLoadChangesNothing() throws Exception {
        String sample = Path.of("src/test/resources/terminology/icd10cm").toAbsolutePath().toString();
        String[] load = {"terminology", "load", "--format", "icd10cm", sample, "--data-dir", dir.resolve("graph").toString(),
                "--bolt-port", "0", "--errors", "errors.ndjson"};

        Run first = caregraph(load);
        assertThat(first.exit()).as(first.stdout()).isEqualTo(2); // loaded, with unreadable lines
        assertThat(first.stdout()).contains("Loaded 6 concepts (6 new, 0 updated, 0 unchanged) and 4 IS_A edges (4 new, 0 unchanged, 0 skipped",
                "2 unreadable lines");
        assertThat(Files.readAllLines(dir.resolve("errors.ndjson"))).hasSize(2)
                .allSatisfy(l -> assertThat(l).contains("icd10cm_order_2025.txt"));

        Run again = caregraph(load);
        assertThat(again.stdout()).contains("Loaded 6 concepts (0 new, 0 updated, 6 unchanged) and 4 IS_A edges (0 new, 4 unchanged, 0 skipped");
    }
}
