package org.caregraph.graph;

import java.util.List;
import org.neo4j.driver.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;

/** Creates constraints and indexes from cypher/schema.cypher (idempotent) and waits until they are online. */
@Component
public class GraphSchema implements InitializingBean {
    private static final Logger log = LoggerFactory.getLogger(GraphSchema.class);
    private final Driver driver;

    public GraphSchema(Driver driver) {
        this.driver = driver;
    }

    @Override
    public void afterPropertiesSet() {
        log.info("Graph schema ready ({} statements from cypher/schema.cypher)", apply("schema"));
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
