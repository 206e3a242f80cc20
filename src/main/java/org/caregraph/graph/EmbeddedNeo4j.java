package org.caregraph.graph;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process Neo4j DBMS used when no external server is configured. Only Bolt is opened, on loopback by default:
 * the application itself talks to it through the driver like to any server, and Neo4j Browser or cypher-shell can
 * attach to the printed address.
 */
public final class EmbeddedNeo4j implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedNeo4j.class);

    private final DatabaseManagementService dbms;
    private final String boltUri;
    private final Path home;

    public EmbeddedNeo4j(Neo4jProperties props) {
        this.home = props.dataDir().toAbsolutePath().normalize();
        int port = props.boltPort() > 0 ? props.boltPort() : freePort(props.boltAddress());
        long started = System.nanoTime();
        try {
            Files.createDirectories(home);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create data directory " + home + ": " + e.getMessage(), e);
        }
        try {
            this.dbms = new DatabaseManagementServiceBuilder(home)
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, new SocketAddress(props.boltAddress(), port))
                    .setConfig(HttpConnector.enabled, false)
                    .setConfig(HttpsConnector.enabled, false)
                    // Loopback-only by default; a non-loopback bind should set NEO4J_URI to a secured server instead.
                    .setConfig(GraphDatabaseSettings.auth_enabled, false)
                    .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.parse(props.pagecache()))
                    // Keep disk use bounded under repeated bulk imports: no long transaction-log history.
                    .setConfig(GraphDatabaseSettings.keep_logical_logs, "false")
                    .build();
        } catch (RuntimeException e) {
            if (causeMentions(e, "lock")) {
                throw new IllegalStateException("the data directory " + home + " is in use by another CareGraph "
                        + "process; stop it, or point this one at it with NEO4J_URI=bolt://" + props.boltAddress()
                        + ":" + port, e);
            }
            throw e;
        }
        this.boltUri = "bolt://" + props.boltAddress() + ":" + port;
        log.info("Embedded Neo4j ready in {} ms: data {}, Bolt {} (Neo4j Browser / cypher-shell can attach here)",
                (System.nanoTime() - started) / 1_000_000, home, boltUri);
    }

    public String boltUri() {
        return boltUri;
    }

    public Path home() {
        return home;
    }

    /**
     * Starts noting which nodes committed transactions change (see {@link ChangeWatch}) until the watch is closed: what
     * an online backup must read again to make its copy a consistent cut.
     */
    public ChangeWatch watchChanges() {
        return new ChangeWatch(dbms, GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
    }

    @Override
    public void close() {
        long t = System.nanoTime();
        dbms.shutdown();
        log.info("Embedded Neo4j stopped in {} ms", (System.nanoTime() - t) / 1_000_000);
    }

    private static int freePort(String address) {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(address))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port on " + address, e);
        }
    }

    private static boolean causeMentions(Throwable e, String word) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().toLowerCase().contains(word)) return true;
        }
        return false;
    }
}
