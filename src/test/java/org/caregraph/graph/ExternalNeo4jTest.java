package org.caregraph.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.caregraph.CareGraphApplication;
import org.caregraph.GraphTest;
import org.caregraph.ingest.ErrorReport;
import org.caregraph.ingest.ImportInput;
import org.caregraph.ingest.Importer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * NEO4J_URI + NEO4J_PASSWORD: a second CareGraph instance, with no embedded DBMS of its own, works on the first one's
 * Bolt port with the first one's generated password.
 */
class ExternalNeo4jTest extends GraphTest {
    @Test
    void aSecondInstancePointedAtTheFirstsBoltPortReadsAndWritesTheSameGraph() throws Exception {
        clearGraph();
        Path data = Files.createTempDirectory("second-instance");
        try (ConfigurableApplicationContext second = new SpringApplicationBuilder(CareGraphApplication.class)
                .web(WebApplicationType.NONE)
                .run("--caregraph.neo4j.uri=" + embedded.boltUri(),
                        "--caregraph.neo4j.password=" + embedded.password(),
                        "--caregraph.neo4j.data-dir=" + data.resolve("unused"));
             ErrorReport errors = new ErrorReport(data.resolve("errors.ndjson"))) {
            assertThat(second.getBeanProvider(EmbeddedNeo4j.class).getIfAvailable()).as("no embedded DBMS").isNull();
            // the data directory keeps only this instance's own state (audit log, keys, SQL store): no Neo4j store
            assertThat(Files.exists(data.resolve("unused").resolve("data"))).isFalse();
            assertThat(Files.exists(data.resolve("unused").resolve("neo4j-password"))).isFalse();
            Path f = Files.writeString(data.resolve("p.ndjson"), "{\"resourceType\":\"Patient\",\"id\":\"ext1\"}\n");
            second.getBean(Importer.class).run(ImportInput.expand(f, "p.ndjson"), errors, p -> { });
            assertThat(second.getBean(GraphStats.class).read().resources()).containsEntry("Patient", 1L);
        }
        // written through the second instance, visible to the first
        assertThat(single("MATCH (p:Patient {id:'ext1'}) RETURN count(p) AS c").get("c")).isEqualTo(1L);
    }
}
