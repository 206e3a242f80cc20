package org.caregraph.graph;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where the graph lives. A blank {@code uri} (no NEO4J_URI) means: run Neo4j in-process and reach it through the
 * driver over Bolt on {@code boltAddress:boltPort}, so embedded and external deployments share one code path.
 * {@code boltTlsCert}/{@code boltTlsKey} (PEM) make the embedded Bolt connector require TLS.
 */
@ConfigurationProperties("caregraph.neo4j")
public record Neo4jProperties(
        String uri,
        String username,
        String password,
        Path dataDir,
        String boltAddress,
        int boltPort,
        String pagecache,
        Path boltTlsCert,
        Path boltTlsKey) {

    public Neo4jProperties {
        if ((boltTlsCert == null) != (boltTlsKey == null)) {
            throw new IllegalArgumentException("Bolt TLS needs both a certificate and a key "
                    + "(caregraph.neo4j.bolt-tls-cert / CAREGRAPH_BOLT_TLS_CERT and caregraph.neo4j.bolt-tls-key / "
                    + "CAREGRAPH_BOLT_TLS_KEY)");
        }
    }

    public boolean embedded() {
        return uri == null || uri.isBlank();
    }

    public boolean boltTls() {
        return boltTlsCert != null;
    }
}
