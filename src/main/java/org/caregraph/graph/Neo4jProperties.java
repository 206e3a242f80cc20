package org.caregraph.graph;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where the graph lives. A blank {@code uri} (no NEO4J_URI) means: run Neo4j in-process and reach it through the
 * driver over Bolt on {@code boltAddress:boltPort}, so embedded and external deployments share one code path.
 */
@ConfigurationProperties("caregraph.neo4j")
public record Neo4jProperties(
        String uri,
        String username,
        String password,
        Path dataDir,
        String boltAddress,
        int boltPort,
        String pagecache) {

    public boolean embedded() {
        return uri == null || uri.isBlank();
    }
}
