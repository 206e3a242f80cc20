package org.caregraph.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Bulk Data client as the tests use it, over real HTTP with a token: kick-off (GET or POST), polling with the IG's
 * checks on every 202, the manifest's files read back and checked against their counts.
 */
final class BulkDataClient {
    static final String ASYNC = "respond-async";
    final FhirHttp http;

    BulkDataClient(FhirHttp http) {
        this.http = http;
    }

    /** GET kick-off of {@code path} (under /fhir/) with {@code Prefer: respond-async} and more headers; expects 202. */
    String kickOff(String path, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "Prefer";
        all[1] = ASYNC;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return accepted(http.get("/fhir/" + path, all));
    }

    /** POST kick-off of {@code path} with a Parameters body; expects 202. */
    String post(String path, String parameters, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "Prefer";
        all[1] = ASYNC;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return accepted(http.call("POST", "/fhir/" + path, parameters, all));
    }

    /** The status URL of an accepted kick-off. */
    static String accepted(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        assertThat(FhirHttp.json(r.body()).get("resourceType").asText()).isEqualTo("OperationOutcome");
        return r.headers().firstValue("Content-Location").orElseThrow();
    }

    /** Polls until done (200), checking every 202 on the way; returns the manifest. */
    JsonNode await(String status) throws InterruptedException {
        for (int i = 0; i < 1200; i++) {
            HttpResponse<String> r = http.get(status);
            if (r.statusCode() == 200) {
                assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
                assertThat(r.headers().firstValue("Expires")).isPresent();
                return FhirHttp.json(r.body());
            }
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            assertThat(r.headers().firstValue("X-Progress").orElseThrow()).hasSizeLessThan(100);
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            Thread.sleep(100);
        }
        throw new AssertionError("export did not finish: " + status);
    }

    /** type → the lines of its file(s), each file checked against the manifest's count and its type. */
    Map<String, List<JsonNode>> files(JsonNode manifest) {
        Map<String, List<JsonNode>> out = new TreeMap<>();
        for (JsonNode o : manifest.get("output")) {
            HttpResponse<String> r = http.get(o.get("url").asText());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/fhir+ndjson");
            List<JsonNode> lines = r.body().lines().map(FhirHttp::json).toList();
            assertThat(lines).as(o.toString()).hasSize(o.get("count").asInt());
            lines.forEach(l -> assertThat(l.get("resourceType").asText()).isEqualTo(o.get("type").asText()));
            out.computeIfAbsent(o.get("type").asText(), k -> new ArrayList<>()).addAll(lines);
        }
        return out;
    }

    /** The OperationOutcomes of the manifest's error files. */
    List<JsonNode> errors(JsonNode manifest) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : manifest.get("error")) {
            assertThat(e.get("type").asText()).isEqualTo("OperationOutcome");
            HttpResponse<String> r = http.get(e.get("url").asText());
            assertThat(r.statusCode()).isEqualTo(200);
            r.body().lines().map(FhirHttp::json).forEach(out::add);
        }
        return out;
    }

    static Map<String, Integer> counts(Map<String, List<JsonNode>> files) {
        Map<String, Integer> out = new TreeMap<>();
        files.forEach((t, lines) -> out.put(t, lines.size()));
        return out;
    }

    /** The ids of the lines of one type (empty when the type has no file). */
    static List<String> ids(Map<String, List<JsonNode>> files, String type) {
        return files.getOrDefault(type, List.of()).stream().map(l -> l.get("id").asText()).sorted().toList();
    }
}
