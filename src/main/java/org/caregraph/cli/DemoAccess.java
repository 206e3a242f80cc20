package org.caregraph.cli;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.Neo4jProperties;
import org.caregraph.ingest.ImportJobs;
import org.caregraph.security.AccessContext;
import org.caregraph.security.CareGraphScope;
import org.caregraph.security.ServerUrls;
import org.caregraph.security.authz.Clients;
import org.caregraph.security.authz.KeyFiles;
import org.caregraph.security.authz.RegisteredClient;
import org.caregraph.security.authz.TokenEndpoint;
import org.caregraph.security.authz.Users;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code serve --demo} stays a one-command start with security on, through the real authorization server:
 * <ul>
 * <li>a demo backend client, {@code caregraph-demo}, registered with an ES384 key pair whose private half is kept in
 * {@code <data-dir>/security/demo-client.jwk} (owner only), allowed every scope at system level; its first token is
 * asked for as a backend service asks (a signed client assertion, verified by the token endpoint's own code) and
 * printed with a curl line, and {@code caregraph token} gets the next ones;</li>
 * <li>a demo user, {@code demo}, with a new password at each start, bound to the practitioner of the demo population
 * who saw the most patients (once the population is imported) with the web UI's scopes: it signs in to the UI.</li>
 * </ul>
 * For the demo population only: with real data, register clients and users with {@code caregraph clients} and
 * {@code caregraph users}.
 */
final class DemoAccess {
    static final String CLIENT = "caregraph-demo";
    static final String USER = "demo";
    static final List<String> USER_SCOPES = List.of("user/*.rs", "user/caregraph.analytics");

    private DemoAccess() {
    }

    /** Registers the demo client and prints a token it got from the token endpoint, and a curl line that uses it. */
    static void printToken(ConfigurableApplicationContext ctx, String http, PrintStream out) throws IOException {
        Path keyFile = ctx.getBean(Neo4jProperties.class).dataDir().resolve("security").resolve("demo-client.jwk");
        ECKey key = demoKey(keyFile);
        List<String> scopes = new ArrayList<>(List.of("system/*.cruds"));
        for (CareGraphScope s : CareGraphScope.values()) if (s.scope.startsWith("system/")) scopes.add(s.scope);
        ctx.getBean(Clients.class).add(new RegisteredClient(CLIENT, "CareGraph demo", new JWKSet(key).toPublicJWKSet().toString(),
                null, List.of(), scopes, null, false), true);
        String assertion = KeyFiles.privateKey(keyFile, null).assertion(CLIENT, ctx.getBean(ServerUrls.class).tokenUrl());
        Map<String, Object> token = ctx.getBean(TokenEndpoint.class).backendToken(assertion, String.join(" ", scopes));
        String access = (String) token.get("access_token");
        long minutes = ((Number) token.get("expires_in")).longValue() / 60;
        out.println("Demo access token (client " + CLIENT + ", every system scope, valid " + minutes + " min): " + access);
        out.println("Try: curl -H \"Authorization: Bearer " + access + "\" " + http + "/fhir/Patient?_count=5");
        out.println("Next token: ./caregraph token --server " + http + " --client-id " + CLIENT + " --key " + keyFile
                + " --scope '" + String.join(" ", scopes) + "'");
    }

    /**
     * The demo user, bound to the demo population's busiest practitioner once {@code job} (the demo import, or null)
     * has finished; its name and password are printed then.
     */
    static void demoUser(ConfigurableApplicationContext ctx, String http, ImportJobs.Job job, PrintStream out) {
        Thread t = new Thread(() -> {
            try {
                while (job != null && (job.status() == ImportJobs.Status.QUEUED || job.status() == ImportJobs.Status.RUNNING)) {
                    Thread.sleep(1000);
                }
                var found = ctx.getBean(GraphReader.class).list(AccessContext.service("demo"), "security/demo-practitioner", Map.of(),
                        r -> Map.entry(r.get("key").asString(), r.get("patients").asLong()));
                if (found.isEmpty()) {
                    out.println("No demo user: the graph has no practitioner with patients to bind it to.");
                    return;
                }
                String password = password();
                ctx.getBean(Users.class).add(USER, password.toCharArray(), found.getFirst().getKey(), USER_SCOPES, true);
                out.println("Demo user (sign in at " + http + "/ui): " + USER + " / " + password + " — "
                        + found.getFirst().getKey() + ", " + found.getFirst().getValue() + " patients, scopes "
                        + String.join(" ", USER_SCOPES));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                out.println("No demo user: " + e.getMessage()); // the server is stopping, or the graph is gone
            }
        }, "demo-user");
        t.setDaemon(true);
        t.start();
    }

    /** The demo client's key pair: made once per data directory, owner-only. */
    private static ECKey demoKey(Path file) throws IOException {
        try {
            if (Files.exists(file)) return ECKey.parse(Files.readString(file));
            ECKey key = new ECKeyGenerator(Curve.P_384).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES384)
                    .keyIDFromThumbprint(true).generate();
            Files.createDirectories(file.getParent());
            Files.writeString(Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                    key.toJSONString());
            return key;
        } catch (JOSEException | java.text.ParseException e) {
            throw new IOException("cannot read or make the demo client's key " + file + ": " + e.getMessage(), e);
        }
    }

    /** 20 characters from an alphabet without look-alikes: typed by a person, at the demo. */
    private static String password() {
        String alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        SecureRandom random = new SecureRandom();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 20; i++) b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        return b.toString();
    }
}
