package org.caregraph.cli;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import org.caregraph.security.authz.Clients;
import org.caregraph.security.authz.KeyFiles;
import org.caregraph.security.authz.RegisteredClient;
import org.caregraph.security.authz.Users;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The authorization server's registered clients (kept in the graph): add, list, remove. */
@Command(name = "clients", mixinStandardHelpOptions = true,
        description = "Clients of the built-in authorization server: backend services (private_key_jwt) and browser apps.",
        subcommands = {ClientsCommand.Add.class, ClientsCommand.ListClients.class, ClientsCommand.Remove.class})
public class ClientsCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    private static void printKeys(PrintStream out, RegisteredClient c) throws java.text.ParseException {
        if (c.jwks() == null) return;
        for (JWK k : JWKSet.parse(c.jwks()).getKeys()) out.println("  key " + k.getKeyType() + " kid " + k.getKeyID());
    }

    /** How the client authenticates at the token endpoint: exactly one. */
    static class Credential {
        @Option(names = "--jwks", paramLabel = "FILE", description = "Its public keys: a JWK set, one JWK, or a PEM public "
                + "key (openssl pkey -pubout): RSA >= 2048 bits (RS384) or EC P-384 (ES384). private_key_jwt.")
        Path jwks;

        @Option(names = "--jwks-uri", paramLabel = "URL", description = "Where it publishes its public keys (https). private_key_jwt.")
        String jwksUri;

        @Option(names = "--secret", description = "A confidential browser app with a secret (client_secret_basic): one is "
                + "generated and printed once.")
        boolean secret;

        @Option(names = "--public", description = "A public browser app (no secret; PKCE only).")
        boolean publicClient;
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = {"Register a client.",
            "Exit status: 0 registered, 1 refused (the reason on stderr)."})
    static class Add extends Printing implements Callable<Integer> {
        @Mixin
        GraphOptions graph;

        @Option(names = "--id", required = true, description = "The client_id (for a backend client, the iss and sub of its assertions).")
        String id;

        @Option(names = "--name", description = "A name shown on the sign-in page.")
        String name;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Credential credential;

        @Option(names = "--redirect-uri", paramLabel = "URI", description = "Where authorization codes go (repeatable; "
                + "compared exactly). A browser app needs one.")
        List<String> redirectUris = new ArrayList<>();

        @Option(names = "--scopes", required = true, description = "Its allowance, space-separated: what it may be granted "
                + "at most, e.g. 'system/*.rs system/caregraph.cypher' or 'openid fhirUser launch/patient patient/*.rs'.")
        String scopes;

        @Option(names = "--replace", description = "Replace the registration of a client of this id (revokes its refresh tokens).")
        boolean replace;

        @Override
        public Integer call() throws Exception {
            return graph.withBean(Clients.class, this::run);
        }

        int run(Clients clients) throws IOException, java.text.ParseException {
            String jwks;
            try {
                jwks = credential.jwks == null ? null : KeyFiles.publicKeys(credential.jwks).toString();
            } catch (IllegalArgumentException e) {
                err.println("caregraph clients add: " + e.getMessage());
                return 1;
            }
            String secret = null;
            if (credential.secret) {
                byte[] b = new byte[32];
                new SecureRandom().nextBytes(b);
                secret = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            }
            RegisteredClient client = new RegisteredClient(id, name, jwks, credential.jwksUri, redirectUris,
                    Arrays.stream(scopes.split("\\s+")).filter(s -> !s.isEmpty()).toList(),
                    secret == null ? null : Users.PASSWORDS.encode(secret), false);
            try {
                if (!clients.add(client, replace)) {
                    err.println("caregraph clients add: a client " + id + " exists (--replace replaces it)");
                    return 1;
                }
            } catch (IllegalArgumentException e) {
                err.println("caregraph clients add: " + e.getMessage());
                return 1;
            }
            out.println("Registered client " + id + " (" + client.authMethod() + "), scopes: " + String.join(" ", client.scopes()));
            printKeys(out, clients.find(id).orElseThrow());
            if (secret != null) out.println("Client secret (shown once, store it now): " + secret);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The registered clients.")
    static class ListClients extends Printing implements Callable<Integer> {
        @Mixin
        GraphOptions graph;

        @Override
        public Integer call() throws Exception {
            return graph.withBean(Clients.class, this::run);
        }

        int run(Clients clients) throws java.text.ParseException {
            for (RegisteredClient c : clients.list()) {
                out.println(c.id() + (c.name() != null ? " (" + c.name() + ")" : "") + "  " + c.authMethod()
                        + (c.sameOrigin() ? "  built in" : ""));
                out.println("  scopes: " + String.join(" ", c.scopes()));
                if (!c.redirectUris().isEmpty()) {
                    out.println("  redirect URIs: " + (c.sameOrigin() ? "<the server's origin>" : "") + String.join(" ", c.redirectUris()));
                }
                if (c.jwksUri() != null) out.println("  JWKS URL: " + c.jwksUri());
                printKeys(out, c);
            }
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = {"Remove a client; its refresh tokens are revoked "
            + "(access tokens it holds end within their lifetime).", "Exit status: 0 removed, 1 no such client."})
    static class Remove extends Printing implements Callable<Integer> {
        @Mixin
        GraphOptions graph;

        @Parameters(paramLabel = "ID")
        String id;

        @Override
        public Integer call() throws Exception {
            return graph.withBean(Clients.class, this::run);
        }

        int run(Clients clients) {
            try {
                if (!clients.remove(id)) {
                    err.println("caregraph clients remove: no client " + id);
                    return 1;
                }
            } catch (IllegalArgumentException e) {
                err.println("caregraph clients remove: " + e.getMessage());
                return 1;
            }
            out.println("Removed client " + id + " (its refresh tokens are revoked)");
            return 0;
        }
    }
}
