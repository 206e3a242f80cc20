package org.caregraph.graphql;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.caregraph.GraphTest;
import org.caregraph.ingest.ImportProgress;

/** Base of the GraphQL tests: queries go over real HTTP to /graphql of the running app. */
public abstract class GraphQlTest extends GraphTest {
    protected static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Clears the graph and loads {@code population} through the real import; every line must be accepted. */
    protected void load(Population population) {
        clearGraph();
        ImportProgress p = importPaths(population.write(Path.of("target", "populations")));
        assertThat(p.failed()).as("rejected lines").isZero();
    }

    /** The whole response ({@code data} and {@code errors}); HTTP must answer 200. */
    protected JsonNode graphql(String query, Object... variables) {
        Map<String, Object> vars = new LinkedHashMap<>();
        for (int i = 0; i < variables.length; i += 2) vars.put((String) variables[i], variables[i + 1]);
        try {
            String body = JSON.writeValueAsString(Map.of("query", query, "variables", vars));
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/graphql"))
                    .header("Authorization", "Bearer " + apiToken())
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The token the queries are sent with: the system token, unless a test asks as a particular caller. */
    protected String apiToken() {
        return systemToken();
    }

    /** {@code data} of a response that must have no errors. */
    protected JsonNode data(String query, Object... variables) {
        JsonNode response = graphql(query, variables);
        assertThat(response.path("errors").isMissingNode() || response.path("errors").isEmpty())
                .as("errors: %s", response.path("errors")).isTrue();
        return response.get("data");
    }

    /** The {@code extensions.code} of the first error of a response that must have one. */
    protected String errorCode(String query, Object... variables) {
        JsonNode errors = graphql(query, variables).path("errors");
        assertThat(errors.isArray() && !errors.isEmpty()).as("expected an error").isTrue();
        return errors.get(0).path("extensions").path("code").asText();
    }
}
