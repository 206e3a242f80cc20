package org.caregraph.fhir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.caregraph.GraphTest;

/** FHIR over real HTTP for the write-interaction tests (transaction, conditional, patch). */
abstract class FhirHttpTest extends GraphTest {
    static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    /** {@code headers}: name, value, name, value...; a body is FHIR JSON unless a Content-Type header says otherwise. */
    HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = authorized(URI.create("http://127.0.0.1:" + httpPort + "/fhir/" + path))
                .header("Accept", "application/fhir+json");
        boolean typed = false;
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
            typed |= headers[i].equalsIgnoreCase("Content-Type");
        }
        if (body != null && !typed) b.header("Content-Type", "application/fhir+json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }

    static String fresh() {
        return UUID.randomUUID().toString();
    }

    long count(String cypher, Object... params) {
        return (Long) single(cypher, params).get("c");
    }

    /** Every node and relationship: what "nothing was written" is checked against. */
    long graphSize() {
        return count("MATCH (n) RETURN count(n) + COUNT { MATCH ()-[r]->() RETURN r } AS c");
    }
}
