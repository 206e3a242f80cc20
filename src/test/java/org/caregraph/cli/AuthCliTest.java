package org.caregraph.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.caregraph.CliProcess;
import org.caregraph.GraphTest;
import org.caregraph.security.authz.Clients;
import org.caregraph.security.authz.Users;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import picocli.CommandLine;

/**
 * {@code caregraph clients}, {@code users} and {@code token}, parsed by picocli as on the command line and run on the
 * test server's graph (the commands' own startup is every graph command's, tested elsewhere): a backend client
 * registered from a PEM public key made by openssl gets a token with its private key through the real token endpoint,
 * and the token works on /fhir; a confidential client gets a secret shown once; refusals exit 1 saying why; users get
 * their password from standard input, stored only as a hash.
 */
class AuthCliTest extends GraphTest {
    @Autowired private Clients clients;
    @Autowired private Users users;
    @TempDir Path dir;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private <T extends Printing> T parse(T command, String... args) {
        new CommandLine(command).parseArgs(args);
        command.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        command.err = new PrintStream(err, true, StandardCharsets.UTF_8);
        return command;
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private int token(String clientId, Path key, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("--server", "http://127.0.0.1:" + httpPort, "--client-id", clientId,
                "--key", key.toString(), "--scope", "system/Observation.rs"));
        args.addAll(List.of(extra));
        TokenCommand command = parse(new TokenCommand(), args.toArray(String[]::new));
        try {
            return command.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private int fhir(String token) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/fhir/Observation?_count=1"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void aBackendClientRegisteredFromAnOpensslKeyPairGetsATokenThatWorks() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")) || Files.isExecutable(Path.of("/usr/local/bin/openssl")),
                "openssl is not installed");
        Path key = dir.resolve("private.pem");
        Path pub = dir.resolve("public.pem");
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key.toString());
        openssl("pkey", "-in", key.toString(), "-pubout", "-out", pub.toString());
        String id = "cli-rsa-" + run;
        ClientsCommand.Add add = parse(new ClientsCommand.Add(), "--id", id, "--jwks", pub.toString(), "--scopes", "system/Observation.rs");
        assertThat(add.run(clients)).as(err.toString()).isZero();
        assertThat(out()).contains("Registered client " + id + " (private_key_jwt)", "key RSA kid ");

        out.reset();
        assertThat(token(id, key)).isZero();
        assertThat(fhir(out().strip())).isEqualTo(200);

        // an EC P-384 key pair: its PEM private key does not say its kid, which `clients add` printed
        Path ecKey = dir.resolve("ec.pem");
        Path ecPub = dir.resolve("ec-public.pem");
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", ecKey.toString());
        openssl("pkey", "-in", ecKey.toString(), "-pubout", "-out", ecPub.toString());
        out.reset();
        String ec = "cli-ec-" + run;
        assertThat(parse(new ClientsCommand.Add(), "--id", ec, "--jwks", ecPub.toString(), "--scopes", "system/*.rs").run(clients)).isZero();
        Matcher kid = Pattern.compile("key EC kid (\\S+)").matcher(out());
        assertThat(kid.find()).as(out()).isTrue();
        out.reset();
        assertThat(token(ec, ecKey, "--kid", kid.group(1))).isZero();
        assertThat(fhir(out().strip())).isEqualTo(200);
    }

    @Test
    void anUnreachableServerOrAMissingKeyIsOneLineNotAStackTrace() throws Exception {
        Path key = dir.resolve("missing.jwk");
        CliProcess.Result missing = CliProcess.inProcess("token", "--server", "http://127.0.0.1:" + httpPort,
                "--client-id", "x", "--key", key.toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.output()).contains("caregraph token: NoSuchFileException: " + key).doesNotContain("\tat ");
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        CliProcess.Result refused = CliProcess.inProcess("token", "--server", "http://127.0.0.1:" + closed,
                "--client-id", "x", "--key", key.toString());
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.output()).contains("caregraph token: cannot reach http://127.0.0.1:" + closed).doesNotContain("\tat ");
    }

    private void openssl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
    }

    @Test
    void registrationsThatCannotBeTrustedAreRefusedAndAClientCanBeRemoved() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair pair = gen.generateKeyPair();
        Path privatePem = Files.writeString(dir.resolve("k.pem"), pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
        Path publicPem = Files.writeString(dir.resolve("k.pub.pem"), pem("PUBLIC KEY", pair.getPublic().getEncoded()));
        assertThat(parse(new ClientsCommand.Add(), "--id", "bad-" + run, "--jwks", privatePem.toString(), "--scopes", "system/*.rs")
                .run(clients)).isEqualTo(1);
        assertThat(err.toString()).contains("PUBLIC KEY only");

        KeyPairGenerator p256 = KeyPairGenerator.getInstance("EC");
        p256.initialize(new ECGenParameterSpec("secp256r1"));
        Path weak = Files.writeString(dir.resolve("p256.pem"), pem("PUBLIC KEY", p256.generateKeyPair().getPublic().getEncoded()));
        err.reset();
        assertThat(parse(new ClientsCommand.Add(), "--id", "p256-" + run, "--jwks", weak.toString(), "--scopes", "system/*.rs")
                .run(clients)).isEqualTo(1);
        assertThat(err.toString()).contains("P-384");

        err.reset();
        assertThat(parse(new ClientsCommand.Add(), "--id", "scope-" + run, "--jwks", publicPem.toString(), "--scopes", "system/Nonsense.xyz")
                .run(clients)).isEqualTo(1);
        assertThat(err.toString()).contains("not a scope");

        err.reset();
        assertThat(parse(new ClientsCommand.Add(), "--id", "http-" + run, "--jwks-uri", "http://keys.example/jwks.json", "--scopes", "system/*.rs")
                .run(clients)).isEqualTo(1);
        assertThat(err.toString()).contains("https");

        err.reset();
        assertThat(parse(new ClientsCommand.Add(), "--id", "pub-" + run, "--public", "--scopes", "user/*.rs").run(clients)).isEqualTo(1);
        assertThat(err.toString()).contains("redirect URI");

        String id = "ok-" + run;
        assertThat(parse(new ClientsCommand.Add(), "--id", id, "--jwks", publicPem.toString(), "--scopes", "system/*.rs").run(clients)).isZero();
        err.reset();
        assertThat(parse(new ClientsCommand.Add(), "--id", id, "--jwks", publicPem.toString(), "--scopes", "system/*.rs").run(clients)).isEqualTo(1);
        assertThat(err.toString()).contains("exists");
        assertThat(parse(new ClientsCommand.Add(), "--id", id, "--jwks", publicPem.toString(), "--scopes", "system/Patient.r", "--replace")
                .run(clients)).isZero();

        out.reset();
        assertThat(parse(new ClientsCommand.ListClients()).run(clients)).isZero();
        assertThat(out()).contains(Clients.UI + " (CareGraph)  none  built in", id + "  private_key_jwt", "scopes: system/Patient.r");

        assertThat(parse(new ClientsCommand.Remove(), id).run(clients)).isZero();
        assertThat(clients.find(id)).isEmpty();
        assertThat(parse(new ClientsCommand.Remove(), id).run(clients)).isEqualTo(1);
        err.reset();
        assertThat(parse(new ClientsCommand.Remove(), Clients.UI).run(clients)).isEqualTo(1);
        assertThat(err.toString()).contains("built in");
    }

    @Test
    void aConfidentialClientsSecretIsShownOnceAndStoredAsAHash() throws Exception {
        String id = "secret-" + run;
        assertThat(parse(new ClientsCommand.Add(), "--id", id, "--secret", "--redirect-uri", "https://app.example/cb",
                "--scopes", "openid fhirUser user/*.rs").run(clients)).isZero();
        Matcher m = Pattern.compile("Client secret \\(shown once, store it now\\): (\\S+)").matcher(out());
        assertThat(m.find()).as(out()).isTrue();
        String hash = (String) single("MATCH (c:Client {id: $id}) RETURN c.secretHash AS h", "id", id).get("h");
        assertThat(hash).startsWith("{bcrypt}").doesNotContain(m.group(1));
        assertThat(Users.PASSWORDS.matches(m.group(1), hash)).isTrue();
    }

    @Test
    void usersGetTheirPasswordFromStandardInputAndAreStoredWithAHash() throws Exception {
        String name = "cli-user-" + run;
        String password = "a long enough password";
        UsersCommand.Add add = parse(new UsersCommand.Add(), "--name", name, "--fhir-user", "Practitioner/p-" + run,
                "--scopes", "user/*.rs user/caregraph.analytics");
        add.in = new ByteArrayInputStream((password + "\n").getBytes(StandardCharsets.UTF_8));
        assertThat(add.run(users, add.readPassword())).as(err.toString()).isZero();
        String hash = (String) single("MATCH (u:User {name: $n}) RETURN u.passwordHash AS h", "n", name).get("h");
        assertThat(hash).startsWith("{bcrypt}").doesNotContain(password);

        out.reset();
        assertThat(parse(new UsersCommand.ListUsers()).run(users)).isZero();
        assertThat(out()).contains(name + "  Practitioner/p-" + run + "  scopes: user/*.rs user/caregraph.analytics")
                .doesNotContain("bcrypt");

        UsersCommand.Add none = parse(new UsersCommand.Add(), "--name", name + "x", "--fhir-user", "Patient/x", "--scopes", "patient/*.rs");
        none.in = new ByteArrayInputStream(new byte[0]);
        assertThat(none.readPassword()).isNull();
        assertThat(err.toString()).contains("no password");
        err.reset();
        assertThat(parse(new UsersCommand.Add(), "--name", name + "y", "--fhir-user", "Patient/y", "--scopes", "patient/*.rs")
                .run(users, "short".toCharArray())).isEqualTo(1);
        assertThat(err.toString()).contains("at least 12");
        err.reset();
        assertThat(parse(new UsersCommand.Add(), "--name", name + "z", "--fhir-user", "Organization/z", "--scopes", "user/*.rs")
                .run(users, password.toCharArray())).isEqualTo(1);
        assertThat(err.toString()).contains("Practitioner or a Patient");
        err.reset();
        assertThat(parse(new UsersCommand.Add(), "--name", name + "w", "--fhir-user", "Patient/w", "--scopes", "system/*.rs")
                .run(users, password.toCharArray())).isEqualTo(1);
        assertThat(err.toString()).contains("backend clients");

        assertThat(parse(new UsersCommand.Remove(), name).run(users)).isZero();
        assertThat(users.find(name)).isEmpty();
        assertThat(parse(new UsersCommand.Remove(), name).run(users)).isEqualTo(1);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
