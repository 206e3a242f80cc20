package org.caregraph.cli;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.caregraph.security.AccessContext;
import org.caregraph.graph.GraphReader;
import org.caregraph.sql.SqlQueries;
import org.caregraph.sql.SqlStore;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@Command(name = "bench-sql", mixinStandardHelpOptions = true,
        description = {"SQL analytics benchmark on the graph in --data-dir (import it first): the full build of the Patient "
                + "and Observation views (against reading the same resources from the graph), write-to-SQL freshness after "
                + "FHIR PUTs (against the PUT itself) and what the store adds to the write path, /sql latency of a filter, "
                + "a group-by over every Observation and a Patient-Observation join (against SELECT 1 over the same HTTP), "
                + "and a Parquet export of 200,000 rows (against counting the same rows). JSON on stdout."})
public class SqlBenchCommand implements Callable<Integer> {
    @Mixin
    GraphOptions graph;

    @Option(names = "--runs", defaultValue = "3", description = "Builds and Parquet exports timed.")
    int runs;

    @Option(names = "--writes", defaultValue = "200", description = "FHIR PUTs timed for freshness.")
    int writes;

    @Option(names = "--requests", defaultValue = "200", description = "Timed requests per query.")
    int requests;

    @Option(names = "--warmup-seconds", defaultValue = "20", description = "Untimed requests per query first.")
    int warmupSeconds;

    @Option(names = "--parquet-rows", defaultValue = "200000", description = "Rows of the Parquet export.")
    int parquetRows;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final SqlQueries.Caller BENCH = new SqlQueries.Caller(AccessContext.service("bench-sql"), "bench-sql");
    private final HttpClient http = HttpClient.newHttpClient();
    private String token;

    @Override
    public Integer call() throws Exception {
        try (ConfigurableApplicationContext ctx = graph.startQuietWeb()) {
            SqlStore store = ctx.getBean(SqlStore.class);
            SqlQueries queries = ctx.getBean(SqlQueries.class);
            String base = "http://127.0.0.1:" + ctx.getEnvironment().getProperty("local.server.port");
            token = BenchToken.issue(ctx);
            long started = System.nanoTime();
            if (!store.awaitIdle(Duration.ofHours(1))) throw new IllegalStateException("the SQL store is " + store.state());
            System.err.printf("SQL store ready in %.1f s%n", (System.nanoTime() - started) / 1e9);
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("tables", counts(queries, store));
            report.put("build", build(ctx.getBean(GraphReader.class), store));
            report.put("freshness", freshness(base, queries, ctx.getBean(MeterRegistry.class), store));
            report.put("queries", queries(base, queries));
            report.put("parquet", parquet(base, queries));
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
            return 0;
        }
    }

    private static Map<String, Long> counts(SqlQueries queries, SqlStore store) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String t : store.queryable().stream().sorted().toList()) out.put(t, count(queries, "SELECT count(*) FROM " + t));
        return out;
    }

    private static long count(SqlQueries queries, String sql) {
        return ((Number) queries.rows(BENCH, sql, Map.of(), 1, Duration.ofMinutes(5)).rows().getFirst().getFirst()).longValue();
    }

    /** The patients and observations tables built whole, each run; the baseline reads the same JSON from the graph. */
    private Map<String, Object> build(GraphReader graph, SqlStore store) throws InterruptedException {
        double[] build = new double[runs];
        double[] read = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            long bytes = 0;
            for (String type : List.of("Patient", "Observation")) {
                bytes += graph.stream(AccessContext.service("bench-sql"), "sql/type", Map.of("type", type), Duration.ofMinutes(10), r -> {
                    long b = 0;
                    while (r.hasNext()) b += r.next().get("json").asString().length();
                    return b;
                });
            }
            read[i] = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            store.rebuild(Set.of("patients", "observations"));
            if (!store.awaitIdle(Duration.ofMinutes(30))) throw new IllegalStateException("the rebuild did not finish");
            build[i] = (System.nanoTime() - t1) / 1e9;
            System.err.printf("build run %d: %.2f s (baseline read of the same %,d characters of JSON: %.2f s)%n", i + 1, build[i], bytes, read[i]);
        }
        return Map.of("seconds", rounded(build), "medianSeconds", round(BenchMath.median(build)),
                "baselineReadSeconds", rounded(read), "baselineMedianSeconds", round(BenchMath.median(read)),
                "xBaseline", round(BenchMath.median(build) / BenchMath.median(read)), "targetSeconds", 10);
    }

    /**
     * Each PUT changes one patient's gender; the time from the PUT's response to the change answering in SQL is
     * its freshness. What the store adds to the write is the time its listener takes on the writer's thread.
     */
    private Map<String, Object> freshness(String base, SqlQueries queries, MeterRegistry meters, SqlStore store) throws Exception {
        String id = "bench-sql-freshness";
        double[] visible = new double[writes];
        double[] put = new double[writes];
        for (int i = -20; i < writes; i++) {
            String gender = i % 2 == 0 ? "female" : "male";
            long t0 = System.nanoTime();
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/fhir/Patient/" + id))
                    .header("Content-Type", "application/fhir+json").header("Authorization", "Bearer " + token)
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"gender\":\"" + gender
                            + "\",\"birthDate\":\"1980-01-01\"}")).build());
            if (r.statusCode() / 100 != 2) throw new IllegalStateException("PUT " + r.statusCode() + " " + r.body());
            long t1 = System.nanoTime();
            while (!gender.equals(queries.rows(BENCH, "SELECT gender FROM patients WHERE id = :id", Map.of("id", id), 1,
                    Duration.ofSeconds(10)).rows().stream().findFirst().map(row -> row.getFirst()).orElse(null))) {
                Thread.sleep(1);
                if (System.nanoTime() - t1 > 30_000_000_000L) throw new IllegalStateException("the change never reached SQL");
            }
            if (i < 0) continue; // warm-up
            visible[i] = (System.nanoTime() - t1) / 1e6;
            put[i] = (t1 - t0) / 1e6;
        }
        send(HttpRequest.newBuilder(URI.create(base + "/fhir/Patient/" + id)).header("Authorization", "Bearer " + token).DELETE().build());
        Timer enqueue = meters.get("caregraph.sql.enqueue").timer();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("writes", writes);
        out.put("visibleAfterWriteMedianMs", round(BenchMath.median(visible)));
        out.put("visibleAfterWriteP95Ms", round(BenchMath.percentile(visible, 95)));
        out.put("baselinePutMedianMs", round(BenchMath.median(put)));
        out.put("baselinePutP95Ms", round(BenchMath.percentile(put, 95)));
        out.put("addedToWriteMeanMs", round(enqueue.mean(TimeUnit.MILLISECONDS)));
        out.put("addedToWriteMaxMs", round(enqueue.max(TimeUnit.MILLISECONDS)));
        for (ValueAtPercentile p : enqueue.takeSnapshot().percentileValues()) {
            out.put("addedToWriteP" + Math.round(p.percentile() * 100) + "Ms", round(p.value(TimeUnit.MILLISECONDS)));
        }
        out.put("targets", "visible p95 <= 1000 ms; added <= 5 ms");
        return out;
    }

    private Map<String, Object> queries(String base, SqlQueries queries) throws Exception {
        List<List<Object>> sample = queries.rows(BENCH, """
                SELECT o.patient_id, o.code FROM observations o
                JOIN (SELECT code FROM observations GROUP BY code ORDER BY count(*) DESC LIMIT 1) c USING (code)
                GROUP BY o.patient_id, o.code ORDER BY o.patient_id LIMIT 50""", Map.of(), 50, Duration.ofMinutes(1)).rows();
        if (sample.isEmpty()) throw new IllegalStateException("no observations: import a population first");
        IntFunction<Map<String, Object>> patient = i -> Map.of("p", sample.get(i % sample.size()).get(0), "c", sample.get(0).get(1));
        Map<String, IntFunction<Map<String, Object>>> cases = new LinkedHashMap<>();
        cases.put("baseline: SELECT 1", i -> Map.of("query", "SELECT 1"));
        cases.put("filter: one patient's observations of the most common code", i -> Map.of("query",
                "SELECT id, effective_time, value_number, value_unit FROM observations WHERE patient_id = :p AND code = :c",
                "parameters", patient.apply(i)));
        cases.put("group-by over every observation", i -> Map.of("query",
                "SELECT code, any_value(display) AS display, count(*) AS n, avg(value_number) AS mean FROM observations GROUP BY code"));
        cases.put("join patients x observations", i -> Map.of("query", """
                SELECT p.gender, date_part('decade', p.birth_date) AS decade, count(*) AS n, avg(o.value_number) AS mean
                FROM patients p JOIN observations o ON o.patient_id = p.id GROUP BY ALL"""));
        List<Map<String, Object>> out = new ArrayList<>();
        double baseline = 0;
        for (Map.Entry<String, IntFunction<Map<String, Object>>> c : cases.entrySet()) {
            long warmEnd = System.nanoTime() + warmupSeconds * 1_000_000_000L;
            for (int i = 0; System.nanoTime() < warmEnd; i++) sql(base, c.getValue().apply(i));
            double[] ms = new double[requests];
            int rows = 0;
            for (int i = 0; i < requests; i++) {
                long t0 = System.nanoTime();
                JsonNode r = sql(base, c.getValue().apply(i));
                ms[i] = (System.nanoTime() - t0) / 1e6;
                rows = r.get("rows").size();
            }
            double median = BenchMath.median(ms);
            if (baseline == 0) baseline = median;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("query", c.getKey());
            r.put("medianMs", round(median));
            r.put("p95Ms", round(BenchMath.percentile(ms, 95)));
            r.put("xBaseline", round(median / baseline));
            r.put("rows", rows);
            out.add(r);
            System.err.printf("%-60s median %7.2f ms  p95 %7.2f ms%n", c.getKey(), median, BenchMath.percentile(ms, 95));
        }
        return Map.of("requests", requests, "results", out, "targets", "filter <= 20 ms, group-by <= 100 ms, join <= 150 ms (p50)");
    }

    /** {@code parquetRows} observation rows (repeated when the population has fewer) to Parquet over /sql. */
    private Map<String, Object> parquet(String base, SqlQueries queries) throws Exception {
        long observations = count(queries, "SELECT count(*) FROM observations");
        long copies = Math.max(1, (parquetRows + observations - 1) / observations);
        String select = "SELECT o.*, r.range AS copy FROM observations o, range(" + copies + ") r LIMIT " + parquetRows;
        double[] export = new double[runs];
        double[] counting = new double[runs];
        long bytes = 0;
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            HttpResponse<byte[]> r = http.send(post(base, token, Map.of("query", select, "format", "parquet", "limit", parquetRows)),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) throw new IllegalStateException("Parquet export: " + r.statusCode() + " " + new String(r.body()));
            export[i] = (System.nanoTime() - t0) / 1e9;
            bytes = r.body().length;
            long t1 = System.nanoTime();
            sql(base, Map.of("query", "SELECT count(*) FROM (" + select + ")"));
            counting[i] = (System.nanoTime() - t1) / 1e9;
        }
        System.err.printf("Parquet export of %,d rows: median %.2f s (%,d bytes)%n", parquetRows, BenchMath.median(export), bytes);
        return Map.of("rows", parquetRows, "observationsRepeated", copies, "bytes", bytes, "seconds", rounded(export),
                "medianSeconds", round(BenchMath.median(export)), "baselineCountSeconds", rounded(counting),
                "xBaseline", round(BenchMath.median(export) / BenchMath.median(counting)), "targetSeconds", 2);
    }

    private JsonNode sql(String base, Map<String, Object> body) throws Exception {
        HttpResponse<String> r = send(post(base, token, body));
        if (r.statusCode() != 200) throw new IllegalStateException("/sql " + r.statusCode() + ": " + r.body());
        return JSON.readTree(r.body());
    }

    private static HttpRequest post(String base, String token, Map<String, Object> body) {
        return HttpRequest.newBuilder(URI.create(base + "/sql")).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static List<Double> rounded(double[] values) {
        List<Double> out = new ArrayList<>();
        for (double v : values) out.add(round(v));
        return out;
    }
}
