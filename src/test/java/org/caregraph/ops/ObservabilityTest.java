package org.caregraph.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue #18 point 8 through real HTTP with real tokens: the Prometheus scrape (who may read it, and that it holds the
 * meters an operator's dashboard reads), the request id, and the public probes.
 */
class ObservabilityTest extends GraphTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private String patientId;

    @BeforeEach
    void fixture() {
        requireFixture();
        if (query("MATCH (p:Patient) WHERE p.json IS NOT NULL RETURN p.id AS id LIMIT 1").isEmpty()) importPaths(SYNTHEA);
        patientId = query("MATCH (p:Patient) WHERE p.json IS NOT NULL RETURN p.id AS id LIMIT 1").getFirst().get("id").asString();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + path);
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private String scrape() throws Exception {
        HttpResponse<String> r = send(authorized(uri("/actuator/prometheus")).GET().build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        return r.body();
    }

    @Test
    void prometheusNeedsTheMetricsScope() throws Exception {
        assertThat(send(HttpRequest.newBuilder(uri("/actuator/prometheus")).GET().build()).statusCode()).isEqualTo(401);
        String reader = token("no-metrics", null, null, List.of("system/*.rs"));
        assertThat(send(HttpRequest.newBuilder(uri("/actuator/prometheus")).header("Authorization", "Bearer " + reader)
                .GET().build()).statusCode()).isEqualTo(403);
        String metrics = token("scraper", null, null, List.of("system/caregraph.metrics"));
        assertThat(send(HttpRequest.newBuilder(uri("/actuator/prometheus")).header("Authorization", "Bearer " + metrics)
                .GET().build()).statusCode()).isEqualTo(200);
    }

    @Test
    void fhirRequestsAreCountedByRouteAndStatusWithoutIds() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(send(authorized(uri("/fhir/Patient/" + patientId)).GET().build()).statusCode()).isEqualTo(200);
        }
        assertThat(send(authorized(uri("/fhir/Patient/no-such-patient-" + System.nanoTime())).GET().build()).statusCode())
                .isEqualTo(404);
        assertThat(send(authorized(uri("/fhir/NoSuchType/x")).GET().build()).statusCode()).isGreaterThanOrEqualTo(400);
        String body = scrape();
        assertThat(count(body, "http_server_requests_seconds_count", "uri=\"/fhir/Patient/{id}\"", "status=\"200\""))
                .isGreaterThanOrEqualTo(3);
        assertThat(count(body, "http_server_requests_seconds_count", "uri=\"/fhir/Patient/{id}\"", "status=\"404\""))
                .isGreaterThanOrEqualTo(1);
        assertThat(body).contains("uri=\"/fhir/{type}/{id}\"");
        // ids are patient data and unbounded: never a label
        assertThat(body).doesNotContain(patientId).doesNotContain("no-such-patient").doesNotContain("NoSuchType");
        // latency buckets for the dashboard's percentiles
        assertThat(body).contains("http_server_requests_seconds_bucket{");
    }

    @Test
    void theDashboardsMetersAreScraped() throws Exception {
        send(authorized(uri("/fhir/Patient/" + patientId + "/$everything")).GET().build());
        String body = scrape();
        assertThat(body).contains("caregraph_graph_reads_seconds_count{", "neo4j_pagecache_hits_total",
                "neo4j_pagecache_faults_total", "neo4j_pagecache_size_bytes", "jvm_memory_used_bytes",
                "jvm_gc_pause_seconds", "caregraph_import_resources_total", "caregraph_export_resources_total",
                "caregraph_nlp_texts_seconds_count", "application=\"caregraph\"");
        Matcher hits = Pattern.compile("(?m)^neo4j_pagecache_hits_total\\{[^}]*} ([0-9.E+]+)").matcher(body);
        assertThat(hits.find()).isTrue();
        assertThat(Double.parseDouble(hits.group(1))).isPositive();
    }

    /** docs/grafana/caregraph.json reads only meters the server exports: a renamed meter fails here, not on a dashboard. */
    @Test
    void theGrafanaDashboardReadsExportedMeters() throws Exception {
        String dashboard = Files.readString(Path.of("docs", "grafana", "caregraph.json"));
        Matcher m = Pattern.compile("([a-z][a-z0-9_]*)\\{application=").matcher(dashboard);
        Set<String> names = new TreeSet<>();
        while (m.find()) names.add(m.group(1));
        assertThat(names).hasSizeGreaterThan(10);
        // a request answered first: the HTTP meters exist from the first one on
        send(authorized(uri("/fhir/Patient/" + patientId + "/$everything")).GET().build());
        String body = scrape();
        for (String name : names) assertThat(body).as("the dashboard reads %s", name).contains("\n" + name + "{");
    }

    @Test
    void everyResponseCarriesARequestId() throws Exception {
        HttpResponse<String> fresh = send(authorized(uri("/fhir/Patient/" + patientId)).GET().build());
        assertThat(fresh.headers().firstValue("X-Request-Id").orElseThrow()).matches("[0-9a-f-]{36}");
        HttpResponse<String> given = send(authorized(uri("/fhir/Patient/" + patientId)).header("X-Request-Id", "proxy-42.a_b")
                .GET().build());
        assertThat(given.headers().firstValue("X-Request-Id")).contains("proxy-42.a_b");
        // a value that could forge log lines or carry data is replaced, not echoed
        HttpResponse<String> hostile = send(authorized(uri("/fhir/Patient/" + patientId))
                .header("X-Request-Id", "x\" name=Smith {json}").GET().build());
        assertThat(hostile.headers().firstValue("X-Request-Id").orElseThrow()).matches("[0-9a-f-]{36}");
        // refused by security: still an id, so the refusal's log line can be found
        HttpResponse<String> refused = send(HttpRequest.newBuilder(uri("/fhir/Patient")).GET().build());
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("X-Request-Id")).isPresent();
    }

    @Test
    void probesArePublicAndUp() throws Exception {
        for (String probe : List.of("/actuator/health/liveness", "/actuator/health/readiness")) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(uri(probe)).GET().build());
            assertThat(r.statusCode()).as(probe).isEqualTo(200);
            assertThat(r.body()).as(probe).contains("\"UP\"");
        }
    }

    /** The sum of the samples of {@code metric} whose labels contain every one of {@code labels}. */
    private static double count(String body, String metric, String... labels) {
        double sum = 0;
        for (String line : body.split("\n")) {
            if (!line.startsWith(metric + "{")) continue;
            boolean all = true;
            for (String l : labels) all &= line.contains(l);
            if (all) sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return sum;
    }
}
