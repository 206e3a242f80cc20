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
import org.caregraph.security.TokenIssuer;
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
        "caregraph.cors.allowed-origins=https://app.example.org",
        "logging.level.org.neo4j=WARN"})
public abstract class GraphTest {
    /** The 5-patient Synthea fixture in the repository (src/test/resources/synthea/README.md says where it comes from). */
    public static final Path SYNTHEA = Path.of("src", "test", "resources", "synthea", "seed42-p5").toAbsolutePath();

    @Autowired protected Driver driver;
    @Autowired protected Importer importer;
    @Autowired protected GraphStats stats;
    @Autowired protected EmbeddedNeo4j embedded;
    @LocalServerPort protected int httpPort;
    @Autowired protected TokenIssuer tokens;

    /**
     * Where the identity providers of {@code ExternalIdentityProviderTest} publish their keys: a port free when this
     * test JVM started, so that concurrent test runs on one machine do not collide. The three providers are configured
     * in the shared context (Keycloak-, Entra ID- and Okta-shaped), so that test needs no context of its own.
     */
    public static final int IDP_PORT = freePort();

    private static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @org.springframework.test.context.DynamicPropertySource
    static void identityProviders(org.springframework.test.context.DynamicPropertyRegistry registry) {
        String idp = "http://127.0.0.1:" + IDP_PORT;
        registry.add("caregraph.security.issuers[0].issuer", () -> idp + "/realms/caregraph");
        registry.add("caregraph.security.issuers[0].jwks-uri", () -> idp + "/realms/caregraph/protocol/openid-connect/certs");
        registry.add("caregraph.security.issuers[0].audience", () -> "caregraph");
        registry.add("caregraph.security.issuers[1].issuer", () -> idp + "/tenant-1/v2.0");
        registry.add("caregraph.security.issuers[1].jwks-uri", () -> idp + "/tenant-1/discovery/v2.0/keys");
        registry.add("caregraph.security.issuers[1].audience", () -> "api://caregraph");
        registry.add("caregraph.security.issuers[1].claims.scope", () -> "scp,roles");
        registry.add("caregraph.security.issuers[1].claims.fhir-user", () -> "extension_fhirUser");
        registry.add("caregraph.security.issuers[2].issuer", () -> idp + "/oauth2/default");
        registry.add("caregraph.security.issuers[2].jwks-uri", () -> idp + "/oauth2/default/v1/keys");
        registry.add("caregraph.security.issuers[2].audience", () -> "api://default");
        registry.add("caregraph.security.issuers[2].claims.scope", () -> "scp");
        registry.add("caregraph.security.issuers[2].claims.client-id", () -> "cid");
        registry.add("caregraph.security.issuers[2].claims.patient", () -> "patient_id");
        registry.add("caregraph.security.issuers[2].algorithms", () -> "ES256");
    }

    /** Every scope there is, at system level: what the tests of the APIs themselves use (security has its own tests). */
    public static final List<String> ALL_SCOPES = List.of("system/*.cruds", "system/caregraph.cypher",
            "system/caregraph.sql", "system/caregraph.import", "system/caregraph.nlp", "system/caregraph.metrics",
            "system/caregraph.analytics", "system/caregraph.admin");
    /** one system token per application context (each has its own signing keys) */
    private static final Map<TokenIssuer, String> SYSTEM_TOKENS = new java.util.concurrent.ConcurrentHashMap<>();

    /** A real access token of the server's own issuer, valid for an hour, with every scope at system level. */
    protected String systemToken() {
        return SYSTEM_TOKENS.computeIfAbsent(tokens, t -> token("test-system", null, null, ALL_SCOPES));
    }

    /** A real access token of the server's own issuer for {@code client}, valid for an hour. */
    protected String token(String client, String fhirUser, String patient, List<String> scopes) {
        return tokens.issue(client, fhirUser, patient, scopes, java.time.Duration.ofHours(1)).token();
    }

    /** A request with the system token. */
    protected java.net.http.HttpRequest.Builder authorized(java.net.URI uri) {
        return java.net.http.HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + systemToken());
    }

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
