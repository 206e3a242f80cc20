package org.caregraph.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.caregraph.GraphTest;
import org.caregraph.graph.Neo4jProperties;
import org.caregraph.security.authz.Clients;
import org.caregraph.security.authz.Users;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code serve --demo}'s access through the real authorization server: a registered demo client whose token (asked
 * for with a signed assertion) is printed in the line .ci/run parses and works on FHIR and /cypher; the next token
 * comes from {@code caregraph token} with the key it left in the data directory (owner-only); and a demo user bound to
 * the busiest practitioner, whose printed password signs it in.
 */
class DemoAccessTest extends GraphTest {
    @Autowired private ConfigurableApplicationContext context;
    @Autowired private Neo4jProperties neo4j;
    @Autowired private Clients clients;
    @Autowired private Users users;
    private final HttpClient http = HttpClient.newHttpClient();

    /** What {@code work} prints on the stream it is given. */
    private static String captured(ThrowingConsumer work) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        work.accept(new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    interface ThrowingConsumer {
        void accept(PrintStream out) throws Exception;
    }

    private int status(String token, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).header("Authorization", "Bearer " + token);
        if (body != null) b.header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void theDemoTokenComesFromARegisteredClientAndTheNextFromCaregraphToken() throws Exception {
        String root = "http://127.0.0.1:" + httpPort;
        String printed = captured(out -> DemoAccess.printToken(context, root, out));
        Matcher token = Pattern.compile("(?m)^Demo access token \\(client caregraph-demo, every system scope, valid 5 min\\): (\\S+)$").matcher(printed);
        assertThat(token.find()).as(printed).isTrue();
        assertThat(printed).contains("Try: curl -H \"Authorization: Bearer " + token.group(1) + "\" " + root + "/fhir/Patient?_count=5");
        assertThat(clients.find(DemoAccess.CLIENT).orElseThrow().authMethod()).isEqualTo("private_key_jwt");
        assertThat(status(token.group(1), "GET", "/fhir/Patient?_count=5", null)).isEqualTo(200);
        assertThat(status(token.group(1), "POST", "/cypher", "{\"query\":\"RETURN 1 AS one\"}")).isEqualTo(200);

        Path key = neo4j.dataDir().resolve("security").resolve("demo-client.jwk");
        assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        Matcher next = Pattern.compile("Next token: ./caregraph token --server (\\S+) --client-id caregraph-demo --key (\\S+) --scope '([^']+)'")
                .matcher(printed);
        assertThat(next.find()).as(printed).isTrue();
        TokenCommand command = new TokenCommand();
        new picocli.CommandLine(command).parseArgs("--server", next.group(1), "--client-id", DemoAccess.CLIENT, "--key", next.group(2),
                "--scope", next.group(3));
        String fresh = captured(out -> {
            command.out = out;
            assertThat(command.call()).isZero();
        }).strip();
        assertThat(fresh).isNotEqualTo(token.group(1));
        assertThat(status(fresh, "GET", "/fhir/Observation?_count=1", null)).isEqualTo(200);

        // a second start keeps the client's key
        String again = captured(out -> DemoAccess.printToken(context, root, out));
        assertThat(again).contains("--key " + key);
    }

    @Test
    void theDemoUserIsBoundToTheBusiestPractitionerAndItsPasswordWorks() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        for (String r : new String[] {
                "{\"resourceType\":\"Practitioner\",\"id\":\"demo-dr-" + run + "\"}",
                "{\"resourceType\":\"Patient\",\"id\":\"demo-p-" + run + "\"}",
                "{\"resourceType\":\"Encounter\",\"id\":\"demo-e-" + run + "\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},"
                        + "\"subject\":{\"reference\":\"Patient/demo-p-" + run + "\"},"
                        + "\"participant\":[{\"individual\":{\"reference\":\"Practitioner/demo-dr-" + run + "\"}}]}"}) {
            String type = r.substring(17, r.indexOf('"', 17));
            String id = r.substring(r.indexOf("\"id\":\"") + 6, r.indexOf('"', r.indexOf("\"id\":\"") + 6));
            assertThat(http.send(authorized(URI.create("http://127.0.0.1:" + httpPort + "/fhir/" + type + "/" + id))
                    .header("Content-Type", "application/fhir+json").PUT(HttpRequest.BodyPublishers.ofString(r)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isIn(200, 201);
        }
        String printed = captured(out -> {
            DemoAccess.demoUser(context, "http://127.0.0.1:" + httpPort, null, out);
            Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
            while (Instant.now().isBefore(deadline) && !Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("demo-user")).allMatch(t -> !t.isAlive())) {
                Thread.sleep(100);
            }
        });
        Matcher m = Pattern.compile("Demo user \\(sign in at \\S+/ui\\): demo / (\\S+) — (Practitioner/\\S+), (\\d+) patients").matcher(printed);
        assertThat(m.find()).as(printed).isTrue();
        Users.LocalUser demo = users.find(DemoAccess.USER).orElseThrow();
        assertThat(demo.fhirUser()).isEqualTo(m.group(2));
        assertThat(Integer.parseInt(m.group(3))).isPositive();
        assertThat(demo.scopes()).containsExactlyElementsOf(DemoAccess.USER_SCOPES);
        assertThat(Users.PASSWORDS.matches(m.group(1), demo.passwordHash())).isTrue();
    }
}
