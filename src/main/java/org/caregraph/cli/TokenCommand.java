package org.caregraph.cli;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.caregraph.security.authz.KeyFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A backend client's access token from a running server (SMART Backend Services): discovers the token endpoint, signs
 * a client assertion with the client's private key and prints the token. For scripts and for trying a registration.
 */
@Command(name = "token", mixinStandardHelpOptions = true, description = {"Get an access token for a backend client "
        + "(client_credentials with a private_key_jwt assertion) and print it.",
        "Exit status: 0 printed, 1 refused (the server's error on stderr)."})
public class TokenCommand extends Printing implements Callable<Integer> {
    @Option(names = "--server", required = true, description = "The server's base URL, e.g. http://127.0.0.1:8080.")
    String server;

    @Option(names = "--client-id", required = true)
    String clientId;

    @Option(names = "--key", required = true, paramLabel = "FILE",
            description = "The client's private key: a private JWK, or a PKCS#8 PEM (openssl genpkey).")
    Path key;

    @Option(names = "--kid", description = "The key's kid when the file does not say it (an EC PEM); `clients list` shows it.")
    String kid;

    @Option(names = "--scope", defaultValue = "system/*.rs", description = "Scopes asked (default: ${DEFAULT-VALUE}).")
    String scope;

    @Option(names = "--json", description = "Print the whole token response.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        JsonMapper mapper = JsonMapper.builder().build();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String base = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
        HttpResponse<String> discovery;
        try {
            discovery = http.send(HttpRequest.newBuilder(URI.create(base + "/.well-known/smart-configuration"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException | java.net.http.HttpConnectTimeoutException e) {
            err.println("caregraph token: cannot reach " + base + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
            return 1;
        }
        if (discovery.statusCode() != 200) {
            err.println("caregraph token: no SMART configuration at " + base + " (HTTP " + discovery.statusCode() + ")");
            return 1;
        }
        String tokenUrl = mapper.readTree(discovery.body()).path("token_endpoint").asString();
        String assertion = KeyFiles.privateKey(key, kid).assertion(clientId, tokenUrl);
        String form = "grant_type=client_credentials&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8)
                + "&client_assertion_type=" + URLEncoder.encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", StandardCharsets.UTF_8)
                + "&client_assertion=" + assertion;
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(tokenUrl))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode body = mapper.readTree(r.body());
        if (r.statusCode() != 200) {
            err.println("caregraph token: " + body.path("error").asString("HTTP " + r.statusCode()) + ": "
                    + body.path("error_description").asString(""));
            return 1;
        }
        out.println(json ? r.body() : body.path("access_token").asString());
        return 0;
    }
}
