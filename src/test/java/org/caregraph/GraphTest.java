package org.caregraph;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.caregraph.graph.EmbeddedNeo4j;
import org.caregraph.graph.GraphStats;
import org.caregraph.ingest.ErrorReport;
import org.caregraph.ingest.ImportInput;
import org.caregraph.ingest.ImportProgress;
import org.caregraph.ingest.Importer;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Values;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Base of the integration tests: one application context (real embedded Neo4j, Bolt on a free port, real HTTP) shared
 * by every test class through Spring's context cache. Tests that count things clear the graph first.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "caregraph.neo4j.data-dir=target/test-graph-${random.uuid}",
        "caregraph.neo4j.bolt-port=0",
        "caregraph.neo4j.pagecache=128m",
        "caregraph.import.root=target/test-import-root",
        "caregraph.import.allowed-url-prefixes=http://127.0.0.1:18931/allowed/",
        "logging.level.org.neo4j=WARN"})
public abstract class GraphTest {
    /** The 5-patient Synthea fixture in the repository (src/test/resources/synthea/README.md says where it comes from). */
    public static final Path SYNTHEA = Path.of("src", "test", "resources", "synthea", "seed42-p5").toAbsolutePath();

    @Autowired protected Driver driver;
    @Autowired protected Importer importer;
    @Autowired protected GraphStats stats;
    @Autowired protected EmbeddedNeo4j embedded;
    @LocalServerPort protected int httpPort;

    protected static void requireFixture() {
        assertThat(SYNTHEA).as("the Synthea fixture in the repository").isDirectory();
    }

    protected void clearGraph() {
        try (var s = driver.session()) {
            s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS").consume();
        }
    }

    protected ImportProgress importReporting(Path errors, Path... paths) {
        List<ImportInput> inputs = new java.util.ArrayList<>();
        for (Path p : paths) inputs.addAll(ImportInput.expand(p, p.getFileName().toString()));
        try (ErrorReport report = new ErrorReport(errors)) {
            return importer.run(inputs, report, p -> { });
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    protected ImportProgress importPaths(Path... paths) {
        try {
            return importReporting(Files.createTempFile("errors", ".ndjson"), paths);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    protected List<Record> query(String cypher, Object... params) {
        try (var s = driver.session()) {
            return s.run(cypher, Values.parameters(params)).list();
        }
    }

    protected Map<String, Object> single(String cypher, Object... params) {
        List<Record> rows = query(cypher, params);
        assertThat(rows).hasSize(1);
        return rows.getFirst().asMap();
    }
}
