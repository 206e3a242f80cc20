package org.caregraph.cli;

import org.caregraph.audit.AuditTrail;
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
                + "baseline: patient(id) { id }, one indexed read through the same HTTP and GraphQL path. The fhir suite also "
                + "times three system-level Bulk $export runs (resources/s)."})
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
    /** made in call(): picocli builds every command at each start, and a client's TLS set-up costs 0.4 s */
    private HttpClient http;
    /** every request carries a real token of the server's own issuer, with every scope at system level */
    private String token;

    @Option(names = "--suite", split = ",", defaultValue = "graphql,fhir",
            description = "Which queries: graphql, fhir, overhead (the baseline and a FHIR read of the same patient), "
                    + "comma-separated.")
    List<String> suites;

    @Option(names = "--only", description = "Only the queries whose name matches this regular expression (found "
            + "anywhere in the name; the baseline always runs), e.g. 'read|Condition'.")
    java.util.regex.Pattern only;

    @Option(names = "--skip-export", description = "The fhir suite without its three $export runs.")
    boolean skipExport;

    /** Whether each request's audit record is written (as in production), not, or both in turn to compare. */
    enum Audit { on, off, compare }

    @Option(names = "--audit", defaultValue = "on", description = "Audit records: on (as served), off, or compare: "
            + "each request timed again with recording off, in this process (default: ${DEFAULT-VALUE}).")
    Audit audit;

    /** Whether requests go through security only (as served), or also to an open mirror of the server to compare. */
    enum Security { on, compare }

    @Option(names = "--security", defaultValue = "on", description = "on: every request with the bench's token through "
            + "authentication, scopes and audit (as served); compare: each round also sent to a second server started in "
            + "this process on the same database with authentication, scopes and audit off (loopback only): what security "
            + "costs, in the same run (default: ${DEFAULT-VALUE}).")
    Security security;
    /** the open mirror's base URL (--security compare) */
    private String openBase;

    @Option(names = "--clients", defaultValue = "1", description = "Concurrent clients: each timed round sends this many "
            + "requests at once (what group commit of the audit log shares flushes between); default: ${DEFAULT-VALUE}.")
    int clients;

    /** A benchmarked request: its name, its suite and the HTTP request of its i-th run. */
    private record Case(String suite, String name, IntFunction<HttpRequest> request) {
        /** The baseline runs in every suite; the overhead suite is the baseline against a FHIR read of the same node. */
        boolean in(List<String> suites) {
            return suites.contains(suite) || name.startsWith("baseline")
                    || suites.contains("overhead") && name.startsWith("FHIR read");
        }
    }

    @Override
    public Integer call() throws Exception {
        http = HttpClient.newHttpClient();
        try (ConfigurableApplicationContext ctx = graph.startQuietWeb();
             ConfigurableApplicationContext mirror = security == Security.compare ? GraphOptions.startOpenMirror(ctx) : null) {
            if (mirror != null) openBase = "http://127.0.0.1:" + mirror.getEnvironment().getProperty("local.server.port");
            BenchTarget target = BenchTarget.open(ctx, paths, patients, "bench-api");
            if (target == null) return 1;
            token = target.token();
            Record inputs = target.inputs();
            List<String> all = target.patients();
            List<String> sample = target.sample();
            String base = target.base();
            Map<String, Object> condition = target.condition();
            String conditionToken = target.conditionToken();
            String observationToken = target.observationToken();
            AuditTrail trail = ctx.getBean(AuditTrail.class);
            trail.setEnabled(audit != Audit.off);
            List<String> families = suites.contains("fhir") ? families(base, sample) : List.of();
            System.err.printf("graph: %,d patients, %.0f events each on average; most common condition %s (%s), %,d patients%n",
                    all.size(), inputs.get("meanEvents").asDouble(),
                    inputs.get("code").asString(), inputs.get("display").asString(), inputs.get("conditionPatients").asLong());
            IntFunction<String> patient = i -> sample.get(i % sample.size());

            List<Case> cases = new ArrayList<>(List.of(
                    graphql(base, "baseline: patient(id) { id }", i -> gql("query($id: ID!) { patient(id: $id) { id } }", "id", patient.apply(i))),
                    graphql(base, "full journey (all events, codes, encounters)", i -> gql("""
                            query($id: ID!) { patient(id: $id) { name journey(first: 1000) { edges { node {
                              key type time display concepts { code display } encounter { id } } } } } }""",
                            "id", patient.apply(i))),
                    graphql(base, "encounters with their events", i -> gql("""
                            query($id: ID!) { patient(id: $id) { encounters(first: 1000) { edges { node {
                              id time display events { key type display values { value unit } } } } } } }""",
                            "id", patient.apply(i))),
                    graphql(base, "pathways from the most common condition", i -> gql("""
                            query($start: [ConceptInput!]!) { pathways(start: $start, steps: 3, windowDays: 365, minSupport: 5) {
                              cohortSize nodes { id step patients concept { display } } links { source target patients medianDays }
                              sequences { patients concepts { code } } } }""", "start", List.of(condition))),
                    graphql(base, "similar patients, top 10", i -> gql("""
                            query($id: ID!) { similarPatients(id: $id, k: 10) { score patient { id name }
                              shared { weight concept { display } } } }""", "id", patient.apply(i))),
                    graphql(base, "cohort count: condition AND female AND age 30-60", i -> gql("""
                            query($c: ConceptInput!) { cohort(criteria: { and: [
                              { condition: { codes: [$c] } }, { gender: "female" }, { age: { min: 30, max: 60 } } ] }) { count } }""",
                            "c", condition)),
                    fhir(base, "FHIR read Patient/{id}", i -> "Patient/" + patient.apply(i)),
                    fhir(base, "FHIR Observation?patient=X&code=(most common)", i -> "Observation?patient=" + patient.apply(i)
                            + "&code=" + enc(observationToken)),
                    fhir(base, "FHIR Condition?code=(most common)&_count=50", i -> "Condition?code=" + enc(conditionToken) + "&_count=50"),
                    fhir(base, "FHIR chain Observation?subject:Patient.name=F&code=", i -> "Observation?subject:Patient.name="
                            + enc(families.get(i % families.size())) + "&code=" + enc(observationToken)),
                    fhir(base, "FHIR Patient?_id=X&_revinclude=Encounter:subject", i -> "Patient?_id=" + patient.apply(i)
                            + "&_revinclude=Encounter:subject"),
                    fhir(base, "FHIR Patient/X/$everything (whole patient)", i -> "Patient/" + patient.apply(i) + "/$everything?_count=1000"),
                    // full text (Neo4j's full-text index): a family name anywhere in a Patient, a word of every CarePlan's narrative
                    fhir(base, "FHIR _content Patient?_content=F", i -> "Patient?_content=" + enc(families.get(i % families.size()))),
                    fhir(base, "FHIR _text CarePlan?_text=care&_count=50", i -> "CarePlan?_text=care&_count=50"),
                    // whole-system search over two types, merged
                    fhir(base, "FHIR system ?_type=Condition,Encounter&patient=X", i -> "?_type=Condition,Encounter&patient="
                            + patient.apply(i) + "&_count=50")));
            cases.removeIf(c -> !c.in(suites) || only != null && !c.name().startsWith("baseline") && !only.matcher(c.name()).find());

            Map<String, Object> report = new LinkedHashMap<>();
            report.put("patients", all.size());
            report.put("meanEventsPerPatient", Math.round(inputs.get("meanEvents").asDouble()));
            report.put("sampledPatients", sample.size());
            report.put("requestsPerQuery", requests);
            report.put("audit", audit.name());
            report.put("security", security.name());
            report.put("clients", clients);
            report.put("commonCondition", condition);
            MeterRegistry meters = ctx.getBean(MeterRegistry.class);
            double baseline = 0;
            List<Map<String, Object>> results = new ArrayList<>();
            for (Case c : cases) {
                long warmEnd = System.nanoTime() + warmupSeconds * 1_000_000_000L;
                for (int i = 0; System.nanoTime() < warmEnd; i++) {
                    send(c.request().apply(i));
                    if (mirror != null) exchange(open(c.request().apply(i)));
                }
                int rounds = Math.max(1, requests / clients);
                double[] ms = new double[rounds * clients];
                double[] off = new double[audit == Audit.compare ? rounds * clients : 0];
                double[] unsecured = new double[mirror != null ? rounds * clients : 0];
                long records = trail.log().size();
                long flushes = trail.log().flushes();
                long flushNanos = trail.log().flushNanos();
                double dbBefore = dbSeconds(meters);
                Map<String, double[]> byQueryBefore = dbByQuery(meters);
                long[] wall = new long[2];
                for (int r = 0; r < rounds; r++) {
                    wall[0] += round(c, r * clients, ms, this::authorized);
                    // the same round against the open mirror, so that drift in the machine's load hits both alike
                    if (mirror != null) round(c, r * clients, unsecured, this::open);
                    // each round again with recording off, so that drift in the machine's load hits both alike
                    if (audit == Audit.compare) {
                        trail.setEnabled(false);
                        wall[1] += round(c, r * clients, off, this::authorized);
                        trail.setEnabled(true);
                    }
                }
                double median = BenchMath.median(ms);
                if (baseline == 0) baseline = median;
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("query", c.name());
                r.put("medianMs", round(median));
                r.put("p95Ms", round(BenchMath.percentile(ms, 95)));
                r.put("xBaseline", round(median / baseline));
                double dbMean = (dbSeconds(meters) - dbBefore) * 1000 / (ms.length + off.length);
                r.put("databaseMsMean", round(dbMean));
                // which named queries a request ran and what each cost: where its database time goes
                Map<String, Object> byQuery = new LinkedHashMap<>();
                int sent = ms.length + off.length;
                dbByQuery(meters).forEach((name, now) -> {
                    double[] was = byQueryBefore.getOrDefault(name, new double[2]);
                    if (now[0] > was[0]) byQuery.put(name, Map.of("callsPerRequest", round((now[0] - was[0]) / sent),
                            "msPerRequest", round((now[1] - was[1]) * 1000 / sent)));
                });
                r.put("databaseByQuery", byQuery);
                String compared = (mirror != null ? compared(r, median, unsecured, "WithoutSecurity", "security", "without security") : "")
                        + (audit == Audit.compare ? compared(r, median, off, "AuditOff", "audit", "audit off") : "");
                if (clients > 1) {
                    r.put("requestsPerSecond", Math.round(ms.length / (wall[0] / 1e9)));
                    if (audit == Audit.compare) r.put("requestsPerSecondAuditOff", Math.round(off.length / (wall[1] / 1e9)));
                }
                if (audit != Audit.off) {
                    long appended = trail.log().size() - records;
                    long flushed = Math.max(1, trail.log().flushes() - flushes);
                    r.put("auditRecordsPerFlush", round((double) appended / flushed));
                    // the disk's share of the overhead: one fsync per flush
                    r.put("auditFlushMsMean", round((trail.log().flushNanos() - flushNanos) / 1e6 / flushed));
                }
                results.add(r);
                System.err.printf("%-50s median %8.2f ms   p95 %8.2f ms   %6.1fx baseline   (database %.2f ms/request)%s%n",
                        c.name(), median, BenchMath.percentile(ms, 95), median / baseline, dbMean, compared);
            }
            report.put("results", results);
            if (suites.contains("fhir") && !skipExport) report.put("export", export(base));
            report.put("cores", Runtime.getRuntime().availableProcessors());
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        }
        return 0;
    }

    /**
     * Puts the median and p95 of {@code other} (the same requests without what is being measured) into {@code r} and
     * the overhead of {@code median} over it; returns the line's text for it.
     */
    private static String compared(Map<String, Object> r, double median, double[] other, String suffix, String what, String label) {
        double without = BenchMath.median(other);
        r.put("medianMs" + suffix, round(without));
        r.put("p95Ms" + suffix, round(BenchMath.percentile(other, 95)));
        r.put(what + "OverheadMs", round(median - without));
        r.put(what + "OverheadPercent", round(100 * (median - without) / without));
        return String.format("   %s %.2f ms: %+.2f ms (%+.1f %%)", label, without, median - without, 100 * (median - without) / without);
    }

    /** Time spent in the graph's named read queries so far (GraphReader's timers), in seconds. */
    private static double dbSeconds(MeterRegistry meters) {
        return meters.find("caregraph.graph.reads").timers().stream().mapToDouble(t -> t.totalTime(TimeUnit.SECONDS)).sum();
    }

    /** Per named query: calls and seconds so far. */
    private static Map<String, double[]> dbByQuery(MeterRegistry meters) {
        Map<String, double[]> out = new java.util.TreeMap<>();
        for (var t : meters.find("caregraph.graph.reads").timers())
            out.merge(t.getId().getTag("query"), new double[] {t.count(), t.totalTime(TimeUnit.SECONDS)},
                    (a, b) -> new double[] {a[0] + b[0], a[1] + b[1]});
        return out;
    }

    private static Case graphql(String base, String name, IntFunction<Map<String, Object>> body) {
        return new Case("graphql", name, i -> HttpRequest.newBuilder(URI.create(base + "/graphql"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body.apply(i)))).build());
    }

    /** A FHIR GET of {@code path} (relative to /fhir/). */
    private static Case fhir(String base, String name, IntFunction<String> path) {
        return new Case("fhir", name, i -> HttpRequest.newBuilder(URI.create(base + "/fhir/" + path.apply(i)))
                .header("Accept", "application/fhir+json").GET().build());
    }

    private static Map<String, Object> gql(String query, Object... variables) {
        Map<String, Object> vars = new LinkedHashMap<>();
        for (int i = 0; i < variables.length; i += 2) vars.put((String) variables[i], variables[i + 1]);
        return Map.of("query", query, "variables", vars);
    }

    /** One request's time over HTTP, in ms ({@code ready}: with its token, or for the open mirror). */
    private double timed(HttpRequest ready) throws Exception {
        long start = System.nanoTime();
        exchange(ready);
        return (System.nanoTime() - start) / 1e6;
    }

    /**
     * Requests {@code first} to {@code first + clients - 1} of {@code c}, sent at once (one at a time with one client),
     * each one's time in ms stored at its index of {@code ms}; returns the round's wall time in ns.
     */
    private long round(Case c, int first, double[] ms, java.util.function.UnaryOperator<HttpRequest> as) throws Exception {
        long start = System.nanoTime();
        if (clients == 1) {
            ms[first] = timed(as.apply(c.request().apply(first)));
            return System.nanoTime() - start;
        }
        List<java.util.concurrent.Future<Double>> sent = new ArrayList<>();
        for (int k = 0; k < clients; k++) {
            int i = first + k;
            sent.add(pool.submit(() -> timed(as.apply(c.request().apply(i)))));
        }
        for (int k = 0; k < clients; k++) ms[first + k] = sent.get(k).get();
        return System.nanoTime() - start;
    }

    private final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "bench-client");
        t.setDaemon(true);
        return t;
    });

    /** {@code request} with the bench's token. */
    private HttpRequest authorized(HttpRequest request) {
        return HttpRequest.newBuilder(request, (name, value) -> true).header("Authorization", "Bearer " + token).build();
    }

    /** {@code request} sent to the open mirror instead, without a token. */
    private HttpRequest open(HttpRequest request) {
        URI uri = request.uri();
        return HttpRequest.newBuilder(request, (name, value) -> true)
                .uri(URI.create(openBase + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))).build();
    }

    /** Sends one request with the bench's token. */
    private void send(HttpRequest request) throws Exception {
        exchange(authorized(request));
    }

    /** Sends one request as it is; an error in the answer stops the bench (a fast error is not a fast query). */
    private void exchange(HttpRequest ready) throws Exception {
        HttpResponse<String> r = http.send(ready, HttpResponse.BodyHandlers.ofString());
        JsonNode answer = JSON.readTree(r.body());
        if (r.statusCode() != 200 || (answer.has("errors") && !answer.get("errors").isEmpty())) {
            throw new IllegalStateException("request failed (" + r.statusCode() + "): " + r.body());
        }
    }

    /** The family names of the sampled patients (read over FHIR), for the chained search. */
    private List<String> families(String base, List<String> sample) throws Exception {
        List<String> out = new ArrayList<>();
        for (String id : sample) {
            JsonNode p = JSON.readTree(get(base + "/fhir/Patient/" + id).body());
            String family = p.path("name").path(0).path("family").asText("");
            if (!family.isEmpty()) out.add(family);
        }
        if (out.isEmpty()) throw new IllegalStateException("no sampled patient has a family name");
        return out;
    }

    /**
     * Bulk $export throughput: three system-level exports, each timed from kick-off to the completed manifest (polled
     * every 50 ms); resources per second of the median run.
     */
    private Map<String, Object> export(String base) throws Exception {
        double[] seconds = new double[3];
        long resources = 0;
        for (int run = 0; run < seconds.length; run++) {
            long start = System.nanoTime();
            HttpResponse<String> kick = http.send(authorized(HttpRequest.newBuilder(URI.create(base + "/fhir/$export"))
                    .header("Accept", "application/fhir+json").header("Prefer", "respond-async").GET().build()),
                    HttpResponse.BodyHandlers.ofString());
            if (kick.statusCode() != 202) throw new IllegalStateException("$export kick-off failed (" + kick.statusCode() + "): " + kick.body());
            String status = kick.headers().firstValue("Content-Location").orElseThrow();
            HttpResponse<String> poll;
            while ((poll = get(status)).statusCode() == 202) Thread.sleep(50);
            if (poll.statusCode() != 200) throw new IllegalStateException("$export failed (" + poll.statusCode() + "): " + poll.body());
            seconds[run] = (System.nanoTime() - start) / 1e9;
            resources = 0;
            for (JsonNode out : JSON.readTree(poll.body()).path("output")) resources += out.path("count").asLong();
            http.send(authorized(HttpRequest.newBuilder(URI.create(status)).DELETE().build()), HttpResponse.BodyHandlers.discarding());
        }
        double median = BenchMath.median(seconds);
        System.err.printf("%-50s %,d resources, median %.2f s: %,.0f resources/s%n", "FHIR system $export", resources, median, resources / median);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("resources", resources);
        r.put("medianSeconds", round(median));
        r.put("resourcesPerSecond", Math.round(resources / median));
        return r;
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(authorized(HttpRequest.newBuilder(URI.create(url)).header("Accept", "application/fhir+json").GET().build()),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String enc(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
