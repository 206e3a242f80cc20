package org.caregraph.fhir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Plain HTTP against the running server, for the operation tests ($everything, $export). */
final class FhirHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newHttpClient();
    private final String root;
    private final String token;

    /** With {@code token} as the bearer of every request (null: none). */
    FhirHttp(int port, String token) {
        this.root = "http://127.0.0.1:" + port;
        this.token = token;
    }

    /** {@code target}: a path under the server root ("/fhir/Patient/x") or an absolute URL; headers as name, value pairs. */
    HttpResponse<String> call(String method, String target, String body, String... headers) {
        URI uri = URI.create(target.startsWith("http") ? target : root + target);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        java.util.Set<String> given = new java.util.HashSet<>();
        for (int i = 0; i + 1 < headers.length; i += 2) given.add(headers[i].toLowerCase(java.util.Locale.ROOT));
        if (!given.contains("accept")) b.header("Accept", "application/fhir+json");
        if (body != null && !given.contains("content-type")) b.header("Content-Type", "application/fhir+json");
        if (token != null) b.header("Authorization", "Bearer " + token);
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        try {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> get(String target, String... headers) {
        return call("GET", target, null, headers);
    }

    /** PUT a resource (JSON text) at its type and id; fails the test unless the server took it. */
    void put(String resource) {
        JsonNode tree = json(resource);
        HttpResponse<String> r = call("PUT", "/fhir/" + tree.get("resourceType").asText() + "/" + tree.get("id").asText(), resource);
        if (r.statusCode() / 100 != 2) throw new AssertionError("PUT " + tree.get("id").asText() + ": " + r.statusCode() + " " + r.body());
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
