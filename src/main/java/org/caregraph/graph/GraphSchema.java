package org.caregraph.graph;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.neo4j.driver.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Transaction;
import org.neo4j.graphdb.schema.Schema;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Creates constraints and indexes from cypher/schema.cypher (idempotent) and waits until they are online: through the
 * driver on a Neo4j server; on the embedded store in-process, as the last step of its background start (this bean
 * waits for it, so that nothing created after it meets a store that is not ready).
 */
@Component
public class GraphSchema implements InitializingBean {
    private static final Logger log = LoggerFactory.getLogger(GraphSchema.class);
    private final Driver driver;
    private final EmbeddedNeo4j embedded;

    public GraphSchema(Driver driver) {
        this(driver, null);
    }

    @Autowired
    public GraphSchema(Driver driver, ObjectProvider<EmbeddedNeo4j> embedded) {
        this.driver = driver;
        this.embedded = embedded == null ? null : embedded.getIfAvailable();
    }

    @Override
    public void afterPropertiesSet() {
        if (embedded != null) {
            long waited = System.nanoTime();
            embedded.awaitStarted();
            log.info("Graph schema ready (cypher/schema.cypher, applied in-process as the embedded store started; "
                    + "waited {} ms for it)", (System.nanoTime() - waited) / 1_000_000);
        } else {
            log.info("Graph schema ready ({} statements from cypher/schema.cypher)", apply("schema"));
        }
    }

    /** The statements of cypher/NAME.cypher on an in-process database, each in a transaction of its own. */
    static int applyInProcess(GraphDatabaseService db, String name) {
        List<String> statements = Cypher.statements(name);
        if (complete(db, statements)) return 0;
        for (String statement : statements) db.executeTransactionally(statement);
        return statements.size();
    }

    private static final Pattern CREATE_NAMED = Pattern.compile(
            "(?is)\\s*CREATE\\s+(?:\\w+\\s+)?(?:CONSTRAINT|INDEX)\\s+`?(\\w+)`?\\s+IF\\s+NOT\\s+EXISTS\\b.*");

    /**
     * Whether every index and constraint the statements create (by name) exists already, asked through the kernel's
     * schema API: then they would all be no-ops, and the first Cypher statement of a start costs about a second of
     * parsing and planning set-up on a start's critical path. An index must also be online. A file with any other kind of statement is not judged.
     */
    static boolean complete(GraphDatabaseService db, List<String> statements) {
        Set<String> present = new HashSet<>();
        try (Transaction tx = db.beginTx()) {
            // an index still populating (a start stopped while it was built) is not there yet: awaitIndexes waits
            for (var index : tx.schema().getIndexes()) {
                if (tx.schema().getIndexState(index) == Schema.IndexState.ONLINE) present.add(index.getName());
            }
            tx.schema().getConstraints().forEach(c -> present.add(c.getName()));
        }
        for (String statement : statements) {
            Matcher create = CREATE_NAMED.matcher(statement);
            if (create.matches()) {
                if (!present.contains(create.group(1))) return false;
            } else if (!statement.strip().toUpperCase(java.util.Locale.ROOT).startsWith("CALL DB.AWAITINDEXES")) {
                return false;
            }
        }
        return true;
    }

    /** Runs the statements of cypher/NAME.cypher (schema files: idempotent DDL) in order; returns how many. */
    public int apply(String name) {
        List<String> statements = Cypher.statements(name);
        try (var session = driver.session()) {
            for (String statement : statements) session.run(statement).consume();
        }
        return statements.size();
    }
}
