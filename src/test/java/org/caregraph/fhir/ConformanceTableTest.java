package org.caregraph.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The README's conformance tables are {@link Conformance#ROWS}, generated: this fails when they differ (run with
 * {@code -Dconformance.write=true} to rewrite them), and when a row names a test method that does not exist. Every
 * "not supported" row says why.
 */
class ConformanceTableTest {
    private static final Path README = Path.of("README.md");
    private static final String START = "<!-- conformance:%s:start (generated from org.caregraph.fhir.Conformance) -->";
    private static final String END = "<!-- conformance:%s:end -->";

    @Test
    void readmeTablesAreTheDeclaration() throws IOException {
        String readme = Files.readString(README);
        String expected = readme;
        for (Conformance.Table table : Conformance.Table.values()) {
            String start = START.formatted(table.name().toLowerCase());
            String end = END.formatted(table.name().toLowerCase());
            int from = expected.indexOf(start);
            int to = expected.indexOf(end);
            assertThat(from).as("README has the " + table + " table markers").isGreaterThanOrEqualTo(0);
            assertThat(to).isGreaterThan(from);
            expected = expected.substring(0, from + start.length()) + "\n" + Conformance.markdown(table) + expected.substring(to);
        }
        if (Boolean.getBoolean("conformance.write")) Files.writeString(README, expected);
        assertThat(readme).as("README conformance tables (regenerate with -Dconformance.write=true)").isEqualTo(expected);
    }

    @Test
    void everyRowNamesItsTestAndEveryRefusalItsReason() throws Exception {
        for (Conformance.Row row : Conformance.ROWS) {
            String[] test = row.test().split("#");
            Class<?> type = Class.forName(test[0]);
            assertThat(Arrays.stream(type.getDeclaredMethods()).map(Method::getName)).as(row.feature()).contains(test[1]);
            if (row.status() == Conformance.Status.NOT_SUPPORTED) assertThat(row.detail()).as(row.feature()).isNotBlank();
        }
    }
}
