package org.caregraph.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.caregraph.CliProcess;
import org.caregraph.Fixtures;
import org.caregraph.GraphTest;
import org.caregraph.graph.GraphStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI in its own JVM: an import killed with SIGKILL half-way and run again ends with the same graph as an
 * uninterrupted import (here: the same data imported in the shared test graph); `stats --json` reads it.
 */
class CliImportResumeTest extends GraphTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern WRITTEN = Pattern.compile("([\\d,]+) written");
    @TempDir Path dir;

    private Process cli(Path data, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--data-dir", data.toString(), "--bolt-port", "0"));
        return CliProcess.command(dir, all.toArray(String[]::new)).start();
    }

    private static String run(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void aKilledImportRunAgainEndsWithTheSameGraphAsAnUninterruptedOne() throws Exception {
        requireFixture();
        // ~9,000 resources: the Synthea sample ten times over under fresh ids
        Path input = dir.resolve("population.ndjson");
        Fixtures.copies(input, 10);
        Path data = dir.resolve("graph");

        Process first = cli(data, "import", input.toString(), "--batch-size", "200", "--progress-ms", "0");
        long writtenWhenKilled = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(first.getInputStream()))) {
            String line;
            while ((line = out.readLine()) != null) {
                Matcher m = WRITTEN.matcher(line);
                if (m.find() && (writtenWhenKilled = Long.parseLong(m.group(1).replace(",", ""))) >= 1000) {
                    first.destroyForcibly(); // SIGKILL: no shutdown hook, no clean close of the store
                    break;
                }
            }
        }
        first.waitFor(1, TimeUnit.MINUTES);
        assertThat(writtenWhenKilled).as("killed half-way").isBetween(1000L, 8000L);

        String resumed = run(cli(data, "import", input.toString()));
        assertThat(resumed).contains("0 rejected");
        JsonNode afterResume = JSON.readTree(jsonPart(run(cli(data, "stats", "--json"))));

        clearGraph();
        importPaths(input);
        GraphStats.Stats uninterrupted = stats.read();
        assertThat(uninterrupted.totalResources()).isGreaterThan(8000);
        assertThat(JSON.valueToTree(uninterrupted).toString()).isEqualTo(afterResume.toString());
    }

    private static String jsonPart(String out) {
        return out.substring(out.indexOf('{'), out.lastIndexOf('}') + 1);
    }
}
