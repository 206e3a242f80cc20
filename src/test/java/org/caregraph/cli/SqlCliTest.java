package org.caregraph.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code caregraph sql} in its own JVM against a data directory another process imported into: the store is built on
 * first use and answers like POST /sql (CSV by default, Parquet to a file); a refused statement exits 1.
 */
class SqlCliTest extends GraphTest {
    @TempDir Path dir;

    private Result cli(Path data, String... args) throws Exception {
        List<String> cmd = org.caregraph.CliProcess.java(List.of(), args);
        cmd.addAll(List.of("--data-dir", data.toString(), "--bolt-port", "0"));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectError(dir.resolve("stderr.txt").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        return new Result(p.exitValue(), out, Files.readString(dir.resolve("stderr.txt")));
    }

    private record Result(int status, String out, String err) {
    }

    @Test
    void sqlRunsAgainstADataDirectory() throws Exception {
        requireFixture();
        Path data = dir.resolve("graph");
        Result imported = cli(data, "import", "--no-nlp", SYNTHEA.toString());
        assertThat(imported.status()).as(imported.out() + imported.err()).isZero();

        Result count = cli(data, "sql", "SELECT gender, count(*) AS n FROM patients GROUP BY gender ORDER BY gender");
        assertThat(count.status()).as(count.err()).isZero();
        List<String> lines = count.out().lines().toList();
        assertThat(lines.getFirst()).isEqualTo("gender,n");
        assertThat(lines.subList(1, lines.size()).stream().mapToLong(l -> Long.parseLong(l.split(",")[1])).sum()).isEqualTo(5);

        Path parquet = dir.resolve("observations.parquet");
        Result export = cli(data, "sql", "--format", "parquet", "-o", parquet.toString(), "-p", "code=8302-2",
                "SELECT * FROM observations WHERE code = :code");
        assertThat(export.status()).as(export.err()).isZero();
        byte[] bytes = Files.readAllBytes(parquet);
        assertThat(new String(bytes, 0, 4)).isEqualTo("PAR1");

        Result refused = cli(data, "sql", "DROP VIEW patients");
        assertThat(refused.status()).isEqualTo(1);
        assertThat(refused.err()).contains("REJECTED");
    }
}
