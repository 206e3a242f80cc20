package org.caregraph.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.Test;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.schema.Schema;

/**
 * A start on a store whose schema is complete runs no Cypher for it (the kernel's schema API says so), and a store
 * missing any index of cypher/schema.cypher gets the whole file applied again.
 */
class GraphSchemaTest extends GraphTest {

    @Test
    void aCompleteSchemaIsLeftAloneAndAMissingIndexIsCreatedAgain() {
        GraphDatabaseService db = embedded.awaitStarted().database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        List<String> statements = Cypher.statements("schema");
        assertThat(GraphSchema.complete(db, statements)).as("applied as the store started").isTrue();
        assertThat(GraphSchema.applyInProcess(db, "schema")).isZero();

        db.executeTransactionally("DROP INDEX concept_system");
        assertThat(GraphSchema.complete(db, statements)).isFalse();
        assertThat(GraphSchema.applyInProcess(db, "schema")).isEqualTo(statements.size());
        try (var tx = db.beginTx()) {
            var index = tx.schema().getIndexByName("concept_system");
            tx.schema().awaitIndexOnline(index, 60, TimeUnit.SECONDS);
            assertThat(tx.schema().getIndexState(index)).isEqualTo(Schema.IndexState.ONLINE);
        }
        assertThat(GraphSchema.complete(db, statements)).isTrue();

        assertThat(GraphSchema.complete(db, List.of("MATCH (n) RETURN count(n)")))
                .as("a file with statements other than named schema objects is always run").isFalse();
    }
}
