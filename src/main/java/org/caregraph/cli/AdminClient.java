package org.caregraph.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The commands that can work through a running server ({@code backup}, {@code check}): its base URL and a bearer token
 * with {@code system/caregraph.admin}. The token comes from the option or {@code CAREGRAPH_TOKEN} (an environment
 * variable keeps it out of the process list).
 */
public class AdminClient {
    @Option(names = "--server", paramLabel = "URL", description = "Work through the server at URL (e.g. http://127.0.0.1:8080) "
            + "instead of the data directory: the way to reach a store a running server holds.")
    URI server;

    @Option(names = "--token", description = "Access token with system/caregraph.admin for --server (default: CAREGRAPH_TOKEN).")
    String token;

    boolean remote() {
        return server != null;
    }

    /** GET {@code path} on the server; the body as a stream, or an exception saying what the server answered. */
    InputStream get(String path, String accept) throws IOException, InterruptedException {
        String bearer = token != null ? token : System.getenv("CAREGRAPH_TOKEN");
        if (bearer == null || bearer.isBlank()) {
            throw new IOException("--server needs an access token with system/caregraph.admin: --token or CAREGRAPH_TOKEN");
        }
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(server.resolve(path))
                .header("Authorization", "Bearer " + bearer).header("Accept", accept).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            String body;
            try (InputStream in = response.body()) {
                body = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
            }
            throw new IOException(server.resolve(path) + " answered " + response.statusCode() + (body.isBlank() ? "" : ": " + body));
        }
        return response.body();
    }

    /** Whether {@code e} says the embedded store is held by another process (a running server). */
    static boolean storeInUse(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains("is in use by another CareGraph process")) return true;
        }
        return false;
    }
}
