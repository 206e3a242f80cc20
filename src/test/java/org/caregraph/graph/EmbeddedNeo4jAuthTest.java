package org.caregraph.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.caregraph.GraphTest;
import org.caregraph.TestCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.driver.AuthToken;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.exceptions.AuthenticationException;
import org.neo4j.driver.exceptions.ServiceUnavailableException;

/**
 * The embedded DBMS requires the generated password on its Bolt port: no-auth and the default neo4j/neo4j are refused,
 * the password file is 0600, survives restarts and is set on a store an older CareGraph made without authentication;
 * with Bolt TLS configured, plain bolt:// is refused.
 */
class EmbeddedNeo4jAuthTest extends GraphTest {
    @TempDir Path dir;

    @Test
    void theServersBoltPortRefusesNoAuthAndTheDefaultPasswordAndTakesTheGeneratedOne() throws Exception {
        Path file = embedded.passwordFile();
        assertThat(file).isEqualTo(embedded.home().resolve("neo4j-password"));
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getPosixFilePermissions(embedded.home())).as("a new data directory is owner-only")
                .isEqualTo(PosixFilePermissions.fromString("rwx------"));
        String password = Files.readString(file).strip();
        assertThat(password).hasSizeGreaterThanOrEqualTo(32).isNotEqualTo("neo4j");

        refused(embedded.boltUri(), AuthTokens.none());
        refused(embedded.boltUri(), AuthTokens.basic("neo4j", "neo4j"));
        assertThat(count(embedded.boltUri(), AuthTokens.basic("neo4j", password), Config.defaultConfig())).isNotNegative();
    }

    /** One store through its life, so the slow DBMS shutdowns (about 10 s each here) stay few. */
    @Test
    void aStoreMadeWithoutAuthenticationGetsAPasswordThatSurvivesARestartWithBoltTls() throws Exception {
        // as an older CareGraph left its data directory: authentication off, a resource in the graph
        DatabaseManagementService old = new DatabaseManagementServiceBuilder(dir)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(BoltConnector.enabled, false)
                .setConfig(HttpConnector.enabled, false)
                .build();
        old.database("neo4j").executeTransactionally("CREATE (:Resource {key: 'Patient/old'})");
        old.shutdown();

        String password;
        try (EmbeddedNeo4j db = new EmbeddedNeo4j(props(null))) {
            password = db.password();
            assertThat(Files.readString(db.passwordFile()).strip()).isEqualTo(password);
            assertThat(Files.getPosixFilePermissions(db.passwordFile())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(dir).isDirectoryNotContaining("glob:**.new");
            refused(db.boltUri(), AuthTokens.none());
            refused(db.boltUri(), AuthTokens.basic("neo4j", "neo4j"));
            assertThat(count(db.boltUri(), AuthTokens.basic("neo4j", password), Config.defaultConfig())).isEqualTo(1);
        }

        // restarted, now with Bolt TLS: the same password; plain bolt:// refused even with it
        TestCertificate tls = TestCertificate.create(dir.resolve("tls"));
        try (EmbeddedNeo4j db = new EmbeddedNeo4j(props(tls))) {
            assertThat(db.password()).isEqualTo(password);
            AuthToken auth = AuthTokens.basic("neo4j", password);
            assertThatThrownBy(() -> count(db.boltUri(), auth, Config.defaultConfig()))
                    .isInstanceOf(ServiceUnavailableException.class);
            // encrypted, trusting exactly the configured certificate (as the application's own driver does)
            Config trusting = Config.builder().withEncryption().withTrustStrategy(Config.TrustStrategy
                    .trustCustomCertificateSignedBy(tls.cert().toFile()).withoutHostnameVerification()).build();
            assertThat(count(db.boltUri(), auth, trusting)).isEqualTo(1);
            assertThat(count(db.boltUri().replace("bolt://", "bolt+ssc://"), auth, Config.defaultConfig())).isEqualTo(1);
            refused(db.boltUri().replace("bolt://", "bolt+ssc://"), AuthTokens.basic("neo4j", "neo4j"));
        }
    }

    @Test
    void boltOnANonLoopbackAddressWithoutTlsDoesNotStart() {
        Neo4jProperties open = new Neo4jProperties(null, "neo4j", null, dir.resolve("open"), "0.0.0.0", 0, "16m", null, null);
        assertThatThrownBy(() -> new EmbeddedNeo4j(open)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("without TLS").hasMessageContaining("CAREGRAPH_BOLT_TLS_CERT");
        assertThat(dir.resolve("open")).doesNotExist();
    }

    private Neo4jProperties props(TestCertificate tls) {
        return new Neo4jProperties(null, "neo4j", null, dir, "127.0.0.1", 0, "32m",
                tls == null ? null : tls.cert(), tls == null ? null : tls.key());
    }

    private static void refused(String uri, AuthToken auth) {
        try (Driver d = GraphDatabase.driver(uri, auth)) {
            assertThatThrownBy(d::verifyConnectivity).isInstanceOf(AuthenticationException.class);
        }
    }

    private static long count(String uri, AuthToken auth, Config config) {
        try (Driver d = GraphDatabase.driver(uri, auth, config); var s = d.session()) {
            return s.run("MATCH (r:Resource {key: 'Patient/old'}) RETURN count(r) AS c").single().get("c").asLong();
        }
    }

    /** A store of patient records does not phone home: Neo4j's usage report and Fleet Manager agent are off. */
    @Test
    void theEmbeddedDbmsSendsNothingAway() {
        var db = (org.neo4j.kernel.internal.GraphDatabaseAPI) embedded.awaitStarted()
                .database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        var config = db.getDependencyResolver().resolveDependency(org.neo4j.configuration.Config.class);
        assertThat(config.get(GraphDatabaseSettings.udc_enabled)).isFalse();
        assertThat(config.get(org.neo4j.fleetmanagement.FleetManagementSettings.fleet_manager_enabled)).isFalse();
    }
}
