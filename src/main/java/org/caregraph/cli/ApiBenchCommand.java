package org.caregraph.cli;

import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.caregraph.graph.GraphReader;
import org.caregraph.ingest.ErrorReport;
import org.caregraph.ingest.ImportInput;
import org.caregraph.ingest.ImportProgress;
import org.caregraph.ingest.Importer;
import org.neo4j.driver.Record;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@Command(name = "bench-api", mixinStandardHelpOptions = true,
        description = {"API latency benchmark over real HTTP on the graph (import PATH first if given; already stored "
                + "resources are skipped). Each query runs --requests times after --warmup-seconds, cycling over patients "
                + "sampled evenly from the graph; prints median and p95 in ms, and each median as a multiple of the "
                + "baseline: patient(id) { id }, one indexed read through the same HTTP and GraphQL path."})
public class ApiBenchCommand implements Callable<Integer> {
    @Mixin
    GraphOptions graph;

    @Parameters(arity = "0..*", paramLabel = "PATH", description = "FHIR files or directories to import first.")
    List<Path> paths = new ArrayList<>();

    @Option(names = "--requests", defaultValue = "200", description = "Timed requests per query.")
    int requests;

    @Option(names = "--warmup-seconds", defaultValue = "30", description = "Untimed requests per query first, for this "
            + "long: on 2 cores the JIT needs thousands of requests before latencies settle (a read-by-id falls from ~6 ms to ~1.3 ms).")
    int warmupSeconds;

    @Option(names = "--patients", defaultValue = "50", description = "Patients sampled for the per-patient queries.")
    int patients;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newHttpClient();

    /** A benchmarked request: its name and the GraphQL body of its i-th run. */
    private record Case(String name, IntFunction<Map<String, Object>> body) {
    }

    @Override
    public Integer call() throws Exception {
        try (ConfigurableApplicationContext ctx = graph.startQuietWeb()) {
            if (!paths.isEmpty()) {
                List<ImportInput> inputs = new ArrayList<>();
                for (Path p : paths) inputs.addAll(ImportInput.expand(p, p.toString()));
                try (ErrorReport errors = new ErrorReport(Path.of("bench-api-errors.ndjson"))) {
                    ImportProgress done = ctx.getBean(Importer.class).run(inputs, errors, p -> { });
                    System.err.printf("imported %,d resources (%,d new or changed) in %.1f s%n", done.imported(), done.written(), done.seconds());
                }
            }
            Record inputs = ctx.getBean(GraphReader.class).list("bench-api-inputs", Map.of(), r -> r).getFirst();
            List<String> all = inputs.get("patients").asList(v -> v.asString());
            if (all.isEmpty()) {
                System.err.println("caregraph bench-api: the graph has no patients; give a PATH to import");
                return 1;
            }
            List<String> sample = new ArrayList<>();
            for (int i = 0; i < Math.min(patients, all.size()); i++) sample.add(all.get((int) ((long) i * all.size() / Math.min(patients, all.size()))));
            String url = "http://127.0.0.1:" + ctx.getEnvironment().getProperty("local.server.port") + "/graphql";
            Map<String, Object> condition = Map.of("system", inputs.get("system").asString(), "code", inputs.get("code").asString());
            System.err.printf("graph: %,d patients, %.0f events each on average; most common condition %s (%s), %,d patients%n",
                    all.size(), inputs.get("meanEvents").asDouble(),
                    inputs.get("code").asString(), inputs.get("display").asString(), inputs.get("conditionPatients").asLong());

            List<Case> cases = List.of(
                    new Case("baseline: patient(id) { id }", i -> gql("query($id: ID!) { patient(id: $id) { id } }", "id", sample.get(i % sample.size()))),
                    new Case("full journey (all events, codes, encounters)", i -> gql("""
                            query($id: ID!) { patient(id: $id) { name journey(first: 1000) { edges { node {
                              key type time display concepts { code display } encounter { id } } } } } }""",
                            "id", sample.get(i % sample.size()))),
                    new Case("encounters with their events", i -> gql("""
                            query($id: ID!) { patient(id: $id) { encounters(first: 1000) { edges { node {
                              id time display events { key type display values { value unit } } } } } } }""",
                            "id", sample.get(i % sample.size()))),
                    new Case("pathways from the most common condition", i -> gql("""
                            query($start: [ConceptInput!]!) { pathways(start: $start, steps: 3, windowDays: 365, minSupport: 5) {
                              cohortSize nodes { id step patients concept { display } } links { source target patients medianDays }
                              sequences { patients concepts { code } } } }""", "start", List.of(condition))),
                    new Case("similar patients, top 10", i -> gql("""
                            query($id: ID!) { similarPatients(id: $id, k: 10) { score patient { id name }
                              shared { weight concept { display } } } }""", "id", sample.get(i % sample.size()))),
                    new Case("cohort count: condition AND female AND age 30-60", i -> gql("""
                            query($c: ConceptInput!) { cohort(criteria: { and: [
                              { condition: { codes: [$c] } }, { gender: "female" }, { age: { min: 30, max: 60 } } ] }) { count } }""",
                            "c", condition)));

            Map<String, Object> report = new LinkedHashMap<>();
            report.put("patients", all.size());
            report.put("meanEventsPerPatient", Math.round(inputs.get("meanEvents").asDouble()));
            report.put("sampledPatients", sample.size());
            report.put("requestsPerQuery", requests);
            report.put("commonCondition", condition);
            MeterRegistry meters = ctx.getBean(MeterRegistry.class);
            double baseline = 0;
            List<Map<String, Object>> results = new ArrayList<>();
            for (Case c : cases) {
                long warmEnd = System.nanoTime() + warmupSeconds * 1_000_000_000L;
                for (int i = 0; System.nanoTime() < warmEnd; i++) post(url, c.body().apply(i));
                double[] ms = new double[requests];
                double dbBefore = dbSeconds(meters);
                for (int i = 0; i < requests; i++) {
                    long start = System.nanoTime();
                    post(url, c.body().apply(i));
                    ms[i] = (System.nanoTime() - start) / 1e6;
                }
                double median = BenchMath.median(ms);
                if (baseline == 0) baseline = median;
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("query", c.name());
                r.put("medianMs", round(median));
                r.put("p95Ms", round(BenchMath.percentile(ms, 95)));
                r.put("xBaseline", round(median / baseline));
                double dbMean = (dbSeconds(meters) - dbBefore) * 1000 / requests;
                r.put("databaseMsMean", round(dbMean));
                results.add(r);
                System.err.printf("%-50s median %8.2f ms   p95 %8.2f ms   %6.1fx baseline   (database %.2f ms/request)%n",
                        c.name(), median, BenchMath.percentile(ms, 95), median / baseline, dbMean);
            }
            report.put("results", results);
            report.put("cores", Runtime.getRuntime().availableProcessors());
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        }
        return 0;
    }

    /** Time spent in the graph's named read queries so far (GraphReader's timers), in seconds. */
    private static double dbSeconds(MeterRegistry meters) {
        return meters.find("caregraph.graph.reads").timers().stream().mapToDouble(t -> t.totalTime(TimeUnit.SECONDS)).sum();
    }

    private static Map<String, Object> gql(String query, Object... variables) {
        Map<String, Object> vars = new LinkedHashMap<>();
        for (int i = 0; i < variables.length; i += 2) vars.put((String) variables[i], variables[i + 1]);
        return Map.of("query", query, "variables", vars);
    }

    /** Posts one request; an error in the answer stops the bench (a fast error is not a fast query). */
    private void post(String url, Map<String, Object> body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode answer = JSON.readTree(r.body());
        if (r.statusCode() != 200 || (answer.has("errors") && !answer.get("errors").isEmpty())) {
            throw new IllegalStateException("request failed (" + r.statusCode() + "): " + r.body());
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
