package org.caregraph.graph;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.caregraph.security.transport.TransportEnvironment;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.configuration.ssl.ClientAuth;
import org.neo4j.configuration.ssl.SslPolicyConfig;
import org.neo4j.configuration.ssl.SslPolicyScope;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;
import org.neo4j.io.pagecache.monitoring.PageCacheCounters;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process Neo4j DBMS used when no external server is configured. Only Bolt is opened, on loopback by default,
 * with authentication on: user {@code neo4j} with a generated password kept in {@code <data-dir>/neo4j-password}
 * (mode 0600). The application itself talks to it through the driver like to any server, and Neo4j Browser or
 * cypher-shell can attach to the printed address with that password. Bolt TLS is on when a PEM certificate and key are
 * configured.
 */
public final class EmbeddedNeo4j implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedNeo4j.class);
    /** The only user Neo4j Community has; it cannot be given fewer rights (no roles), so the password guards all. */
    public static final String USER = "neo4j";
    static final String PASSWORD_FILE = "neo4j-password";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final CompletableFuture<DatabaseManagementService> dbms = new CompletableFuture<>();
    private final String boltUri;
    private final Path home;
    private final Path passwordFile;
    private final String password;

    /** Starts the DBMS and returns once it is up. */
    public EmbeddedNeo4j(Neo4jProperties props) {
        this(props, null, false);
        awaitStarted();
    }

    /**
     * Starts the DBMS on a thread of its own and returns at once: the Bolt address and the password are known before
     * it is up, so the driver (which connects on first use) and the beans built on it are made meanwhile, and whatever
     * needs the database waits in {@link #awaitStarted()}. {@code thenInProcess} (the schema) runs on that thread once
     * the database is up, as part of the start. A start that fails is reported by every wait.
     */
    public static EmbeddedNeo4j startInBackground(Neo4jProperties props, Consumer<GraphDatabaseService> thenInProcess) {
        return new EmbeddedNeo4j(props, thenInProcess, true);
    }

    private EmbeddedNeo4j(Neo4jProperties props, Consumer<GraphDatabaseService> thenInProcess, boolean background) {
        this.home = props.dataDir().toAbsolutePath().normalize();
        this.passwordFile = home.resolve(PASSWORD_FILE);
        if (!props.boltTls() && !TransportEnvironment.isLoopback(props.boltAddress())) {
            throw new IllegalStateException("Bolt would listen on " + props.boltAddress() + " without TLS: the database "
                    + "password would cross the network in clear. Configure CAREGRAPH_BOLT_TLS_CERT and "
                    + "CAREGRAPH_BOLT_TLS_KEY, or keep Bolt on 127.0.0.1");
        }
        int port = props.boltPort() > 0 ? props.boltPort() : freePort(props.boltAddress());
        this.boltUri = "bolt://" + props.boltAddress() + ":" + port;
        boolean newPassword;
        try {
            ownerOnlyDirectory(home);
            newPassword = !Files.exists(passwordFile);
            this.password = newPassword ? generatePassword() : readPassword();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use data directory " + home + ": " + e.getMessage(), e);
        }
        Runnable start = () -> {
            DatabaseManagementService service;
            try {
                service = start(props, port, newPassword, thenInProcess);
            } catch (Throwable e) {
                dbms.completeExceptionally(e);
                return;
            }
            dbms.complete(service);
            if (background) warmCypher(service);
        };
        if (background) Thread.ofPlatform().name("neo4j-start").start(start);
        else start.run();
    }

    private DatabaseManagementService start(Neo4jProperties props, int port, boolean newPassword,
                                            Consumer<GraphDatabaseService> thenInProcess) {
        long started = System.nanoTime();
        DatabaseManagementService service;
        try {
            if (newPassword) setNewPassword(props);
            service = builder(props)
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, new SocketAddress(props.boltAddress(), port))
                    .setConfig(boltTls(props))
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use data directory " + home + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (causeMentions(e, "lock")) {
                throw new IllegalStateException("the data directory " + home + " is in use by another CareGraph "
                        + "process; stop it, or point this one at it with NEO4J_URI=bolt://" + props.boltAddress()
                        + ":" + port + " and NEO4J_PASSWORD from " + passwordFile, e);
            }
            throw e;
        }
        log.info("Embedded Neo4j ready in {} ms: data {}, Bolt {}{}, user {} with the password in {}",
                (System.nanoTime() - started) / 1_000_000, home, boltUri, props.boltTls() ? " (TLS required)" : "",
                USER, passwordFile);
        if (thenInProcess != null) {
            try {
                thenInProcess.accept(service.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME));
            } catch (RuntimeException e) {
                service.shutdown();
                throw e;
            }
        }
        return service;
    }

    /**
     * The first Cypher statement of a process pays about a second of setting up the parser and planner. Paid here, on
     * the start's own thread while the context finishes, rather than by the first query on the way to ready.
     */
    private static void warmCypher(DatabaseManagementService service) {
        try {
            service.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).executeTransactionally("RETURN 1");
        } catch (RuntimeException e) {
            log.debug("Cypher warm-up skipped: {}", e.toString()); // a stop during the start; the first query will say
        }
    }

    /** The started DBMS; waits while it starts, and throws what stopped it from starting. */
    public DatabaseManagementService awaitStarted() {
        try {
            return dbms.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error r) throw r;
            throw e;
        }
    }

    private static DatabaseManagementServiceBuilder builder(Neo4jProperties props) {
        return new DatabaseManagementServiceBuilder(props.dataDir().toAbsolutePath().normalize())
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                // Queries carry patient data in their parameters and literals: the DBMS keeps no query log.
                .setConfig(GraphDatabaseSettings.log_queries, GraphDatabaseSettings.LogQueryLevel.OFF)
                .setConfig(GraphDatabaseSettings.log_queries_parameter_logging_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, pageCacheBytes(props))
                // One plan per statement: by default Cypher keys its plan cache on the sizes of list and string
                // parameters too (in buckets), so the writer's batches of varying sizes made it plan the same
                // statements again and again (planning: 4.5 % of a 100-patient import's samples, a quarter of
                // the database thread's in its first minutes)
                .setConfig(GraphDatabaseInternalSettings.cypher_size_hint_parameters, false)
                // Keep disk use bounded under repeated bulk imports: no long transaction-log history.
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "false")
                // Nothing leaves the machine: no anonymous usage report to Neo4j (on by default; it logged "Anonymous
                // Usage Data is being sent"), no Fleet Manager agent. Nor does the start dump its diagnostics (the
                // machine, the JVM, every store file: about 1 s of every start, for a log nobody reads).
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(org.neo4j.fleetmanagement.FleetManagementSettings.fleet_manager_enabled, false)
                .setConfig(GraphDatabaseInternalSettings.dump_diagnostics, false)
                // Bolt's event loops wait out a quiet period at shutdown (5 s each by default: 10 s on every stop,
                // every CLI command's included); our driver is closed before the DBMS, so nothing arrives then.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, java.time.Duration.ofMillis(100));
    }

    /**
     * The page cache: {@code caregraph.neo4j.pagecache} as a size ("512m", "2g"), or {@code auto} (the default): the
     * store's size on disk plus a quarter for growth and 128 MB for a new or small store, at most a quarter of the
     * machine's memory. A cache the size of the data serves every read from memory; a larger one only holds memory
     * the process does not need (Neo4j's own default is half of what the heap leaves, gigabytes here).
     */
    static long pageCacheBytes(Neo4jProperties props) {
        if (!"auto".equalsIgnoreCase(props.pagecache().strip())) return ByteUnit.parse(props.pagecache());
        long store = sizeOf(props.dataDir().toAbsolutePath().normalize().resolve("data").resolve("databases"));
        long physical = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getTotalMemorySize();
        long size = Math.min(store + store / 4 + ByteUnit.mebiBytes(128), Math.max(ByteUnit.mebiBytes(128), physical / 4));
        log.info("Page cache {} MB for a store of {} MB (caregraph.neo4j.pagecache=auto)", size >> 20, store >> 20);
        return size;
    }

    private static long sizeOf(Path dir) {
        if (!Files.isDirectory(dir)) return 0;
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0; // unreadable: sized as a new store
        }
    }

    private static String generatePassword() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * A new random password, set while Bolt is off so that nothing can log in with the default neo4j/neo4j in the
     * meantime (a new store, a store an older CareGraph made without authentication, or a lost password file alike).
     * The file appears only once the database has the password: a crash in between just repeats this next time.
     */
    private void setNewPassword(Neo4jProperties props) throws IOException {
        Path pending = ownerOnlyFile(home.resolve(PASSWORD_FILE + ".new"));
        Files.writeString(pending, password + "\n");
        DatabaseManagementService offline = builder(props).setConfig(BoltConnector.enabled, false).build();
        try {
            offline.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER " + USER + " SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        } finally {
            offline.shutdown();
        }
        Files.move(pending, passwordFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        log.info("Embedded Neo4j: new password for user {} set and kept in {}", USER, passwordFile);
    }

    private String readPassword() throws IOException {
        if (posix()) Files.setPosixFilePermissions(passwordFile, OWNER_ONLY);
        String text = Files.readString(passwordFile).strip();
        if (text.isEmpty()) throw new IllegalStateException(passwordFile + " is empty: delete it to set a new password");
        return text;
    }

    /**
     * The store, the password, exports and import reports all live here: a new data directory is made owner-only
     * (0700). One that exists is left as its owner set it, with a warning if other users can enter it.
     */
    private static void ownerOnlyDirectory(Path dir) throws IOException {
        if (!posix()) {
            Files.createDirectories(dir);
        } else if (Files.notExists(dir)) {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
            if (perms.contains(PosixFilePermission.OTHERS_EXECUTE) || perms.contains(PosixFilePermission.GROUP_EXECUTE)) {
                log.warn("The data directory {} is open to other users ({}); it holds patient data: chmod 700 it "
                        + "(docs/security.md)", dir, PosixFilePermissions.toString(perms));
            }
        }
    }

    /** Created with mode 0600 from the start, so the secret is never readable by others, not even briefly. */
    private static Path ownerOnlyFile(Path path) throws IOException {
        Files.deleteIfExists(path);
        return posix() ? Files.createFile(path, PosixFilePermissions.asFileAttribute(OWNER_ONLY)) : Files.createFile(path);
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /** Bolt TLS from PEM files: every Bolt client must encrypt (plain bolt:// is refused). */
    private static Map<org.neo4j.graphdb.config.Setting<?>, Object> boltTls(Neo4jProperties props) {
        if (!props.boltTls()) return Map.of(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED);
        SslPolicyConfig policy = SslPolicyConfig.forScope(SslPolicyScope.BOLT);
        Path cert = props.boltTlsCert().toAbsolutePath().normalize();
        Path key = props.boltTlsKey().toAbsolutePath().normalize();
        return Map.of(
                BoltConnector.encryption_level, BoltConnector.EncryptionLevel.REQUIRED,
                policy.enabled, true,
                policy.base_directory, cert.getParent(),
                policy.public_certificate, cert,
                policy.private_key, key,
                policy.client_auth, ClientAuth.NONE,
                policy.tls_versions, List.of("TLSv1.3", "TLSv1.2"));
    }

    /** The default database in-process: the writer's and the reader's named queries (the analysts' Cypher goes through the driver). */
    public GraphDatabaseService database() {
        return awaitStarted().database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
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
        return new ChangeWatch(awaitStarted(), GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
    }

    /** The password of user {@value #USER}: for the application's driver and for printing to the operator. */
    public String password() {
        return password;
    }

    public Path passwordFile() {
        return passwordFile;
    }

    /** The page cache's counters (hits, faults, evictions, bytes), for the metrics; empty if Neo4j does not offer them. */
    public java.util.Optional<PageCacheCounters> pageCacheCounters() {
        try {
            var db = (GraphDatabaseAPI) awaitStarted().database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
            return java.util.Optional.of(db.getDependencyResolver().resolveDependency(PageCacheCounters.class));
        } catch (RuntimeException e) {
            log.warn("Neo4j page cache counters unavailable ({}): no page cache metrics", e.getClass().getSimpleName());
            return java.util.Optional.empty();
        }
    }

    @Override
    public void close() {
        DatabaseManagementService service;
        try {
            service = dbms.join(); // a start in progress is finished first: Neo4j has no way to cancel one
        } catch (CompletionException e) {
            return; // it never started: nothing to stop
        }
        long t = System.nanoTime();
        service.shutdown();
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
