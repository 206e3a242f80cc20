package org.caregraph.cli;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@Command(name = "bench-load", mixinStandardHelpOptions = true,
        description = {"Load benchmark: --clients concurrent clients send a mix of FHIR reads, searches, $everything, "
                + "GraphQL queries and writes (create, update, delete of Observations) over real HTTP for --duration "
                + "against the server started in-process on the graph in --data-dir (PATHs imported first if given). "
                + "Reports throughput, p50/p95/p99 per kind, errors, and the heap in use after a full GC before and after "
                + "the run. Exit status 0 when no request failed, 3 otherwise."})
public class LoadBenchCommand implements Callable<Integer> {
    @Mixin
    GraphOptions graph;

    @Parameters(arity = "0..*", paramLabel = "PATH", description = "FHIR files or directories to import first.")
    List<Path> paths = new ArrayList<>();

    @Option(names = "--clients", defaultValue = "32", description = "Concurrent clients, each sending its next request "
            + "as soon as the previous one is answered.")
    int clients;

    @Option(names = "--duration", defaultValue = "PT5M", description = "How long the timed run lasts (ISO-8601, e.g. PT5M).")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "PT30S", description = "Untimed load first, for the JIT (ISO-8601).")
    Duration warmup;

    @Option(names = "--patients", defaultValue = "200", description = "Patients sampled from the graph for the requests.")
    int patients;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** What a client does, and how often out of 100. */
    enum Kind {
        READ(25), SEARCH(25), EVERYTHING(5), GRAPHQL(25), CREATE(10), UPDATE(5), DELETE(5);

        final int weight;

        Kind(int weight) {
            this.weight = weight;
        }

        static Kind pick(int roll) {
            for (Kind k : values()) {
                if (roll < k.weight) return k;
                roll -= k.weight;
            }
            return READ;
        }
    }

    /** One client's samples, in ms per kind, and its failures (kept apart: a fast error is not a fast request). */
    private static final class Samples {
        final Map<Kind, List<Double>> ms = new EnumMap<>(Kind.class);
        final Map<String, Long> errors = new LinkedHashMap<>();

        void add(Kind kind, double millis) {
            ms.computeIfAbsent(kind, k -> new ArrayList<>()).add(millis);
        }

        void error(Kind kind, String what) {
            errors.merge(kind.name().toLowerCase() + ": " + what, 1L, Long::sum);
        }
    }

    @Override
    public Integer call() throws Exception {
        try (ConfigurableApplicationContext ctx = graph.startQuietWeb()) {
            BenchTarget target = BenchTarget.open(ctx, paths, patients, "bench-load");
            if (target == null) return 1;
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            Requests requests = new Requests(target, http);
            System.err.printf("bench-load: %d clients, warm-up %s, run %s, %,d patients in the graph (%d sampled)%n",
                    clients, warmup, duration, target.patients().size(), target.sample().size());
            run(requests, warmup);
            long heapBefore = heapAfterGc();
            long start = System.nanoTime();
            List<Samples> all = run(requests, duration);
            double seconds = (System.nanoTime() - start) / 1e9;
            long heapAfter = heapAfterGc();
            Map<String, Object> report = report(all, seconds, heapBefore, heapAfter, target);
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
            return (long) report.get("errors") == 0 ? 0 : 3;
        }
    }

    /** {@link #clients} clients for {@code length}; each returns its samples. */
    private List<Samples> run(Requests requests, Duration length) throws Exception {
        long end = System.nanoTime() + length.toNanos();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients, Thread.ofPlatform().name("load-client-", 0).factory())) {
            List<Future<Samples>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) futures.add(pool.submit(() -> client(requests, end)));
            List<Samples> out = new ArrayList<>();
            for (Future<Samples> f : futures) out.add(f.get());
            return out;
        }
    }

    private static Samples client(Requests requests, long end) {
        Samples samples = new Samples();
        List<String> mine = new ArrayList<>(); // this client's own Observations (id/patient), to update and delete
        while (System.nanoTime() < end) {
            Kind kind = Kind.pick(ThreadLocalRandom.current().nextInt(100));
            if ((kind == Kind.UPDATE || kind == Kind.DELETE) && mine.isEmpty()) kind = Kind.CREATE;
            long t = System.nanoTime();
            try {
                String failure = requests.send(kind, mine);
                if (failure == null) samples.add(kind, (System.nanoTime() - t) / 1e6);
                else samples.error(kind, failure);
            } catch (Exception e) {
                samples.error(kind, e.getClass().getSimpleName());
            }
        }
        return samples;
    }

    /** The heap in use after a full collection (System.gc() twice, as the JVM runs it synchronously). */
    private static long heapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private Map<String, Object> report(List<Samples> all, double seconds, long heapBefore, long heapAfter, BenchTarget target) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("clients", clients);
        report.put("seconds", Math.round(seconds));
        report.put("patients", target.patients().size());
        long total = 0;
        long errors = 0;
        Map<String, Long> errorKinds = new LinkedHashMap<>();
        List<Map<String, Object>> kinds = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            List<Double> ms = new ArrayList<>();
            for (Samples s : all) ms.addAll(s.ms.getOrDefault(kind, List.of()));
            if (ms.isEmpty()) continue;
            double[] v = ms.stream().mapToDouble(Double::doubleValue).toArray();
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("kind", kind.name().toLowerCase());
            k.put("requests", v.length);
            k.put("perSecond", round(v.length / seconds));
            k.put("p50Ms", round(BenchMath.percentile(v, 50)));
            k.put("p95Ms", round(BenchMath.percentile(v, 95)));
            k.put("p99Ms", round(BenchMath.percentile(v, 99)));
            kinds.add(k);
            total += v.length;
            System.err.printf("%-10s %,8d requests %8.1f/s   p50 %8.2f ms   p95 %8.2f ms   p99 %8.2f ms%n", kind.name().toLowerCase(),
                    v.length, v.length / seconds, BenchMath.percentile(v, 50), BenchMath.percentile(v, 95), BenchMath.percentile(v, 99));
        }
        for (Samples s : all) {
            for (var e : s.errors.entrySet()) {
                errorKinds.merge(e.getKey(), e.getValue(), Long::sum);
                errors += e.getValue();
            }
        }
        report.put("requests", total);
        report.put("perSecond", round(total / seconds));
        report.put("errors", errors);
        report.put("errorKinds", errorKinds);
        report.put("kinds", kinds);
        report.put("heapAfterGcStartMb", heapBefore >> 20);
        report.put("heapAfterGcEndMb", heapAfter >> 20);
        report.put("heapGrowthMb", (heapAfter - heapBefore) >> 20);
        report.put("cores", Runtime.getRuntime().availableProcessors());
        report.put("loadAverage", round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        System.err.printf("%,d requests in %.0f s: %.1f/s, %d errors; heap after GC %d MB -> %d MB%n", total, seconds,
                total / seconds, errors, heapBefore >> 20, heapAfter >> 20);
        return report;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** The requests of each kind, over the sampled patients; a non-null answer of {@link #send} is a failure. */
    private static final class Requests {
        private final BenchTarget target;
        private final HttpClient http;

        Requests(BenchTarget target, HttpClient http) {
            this.target = target;
            this.http = http;
        }

        String send(Kind kind, List<String> mine) throws Exception {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            String patient = target.sample().get(random.nextInt(target.sample().size()));
            return switch (kind) {
                case READ -> expect(get("Patient/" + patient), 200);
                case SEARCH -> expect(get(switch (random.nextInt(4)) {
                    case 0 -> "Observation?patient=" + patient + "&code=" + enc(target.observationToken());
                    case 1 -> "Condition?patient=" + patient;
                    case 2 -> "Encounter?patient=" + patient + "&_count=20";
                    default -> "Condition?code=" + enc(target.conditionToken()) + "&_count=50";
                }), 200);
                case EVERYTHING -> expect(get("Patient/" + patient + "/$everything?_count=1000"), 200);
                case GRAPHQL -> graphql(random.nextBoolean()
                        ? "query($id: ID!) { patient(id: $id) { name journey(first: 100) { edges { node { key type time display } } } } }"
                        : "query($id: ID!) { patient(id: $id) { encounters(first: 20) { edges { node { id time display events { key type } } } } } }",
                        patient);
                case CREATE -> {
                    HttpResponse<String> r = send(fhir("Observation").header("Content-Type", "application/fhir+json")
                            .POST(HttpRequest.BodyPublishers.ofString(observation(null, patient, random.nextInt(60, 120)))));
                    if (r.statusCode() != 201) yield "HTTP " + r.statusCode();
                    mine.add(JSON.readTree(r.body()).path("id").asString() + "/" + patient);
                    yield null;
                }
                case UPDATE -> {
                    String[] own = mine.get(random.nextInt(mine.size())).split("/"); // id, its patient
                    yield expect(send(fhir("Observation/" + own[0]).header("Content-Type", "application/fhir+json")
                            .PUT(HttpRequest.BodyPublishers.ofString(observation(own[0], own[1], random.nextInt(60, 120))))), 200);
                }
                case DELETE -> {
                    String id = mine.remove(mine.size() - 1).split("/")[0];
                    HttpResponse<String> r = send(fhir("Observation/" + id).DELETE());
                    yield r.statusCode() == 200 || r.statusCode() == 204 ? null : "HTTP " + r.statusCode();
                }
            };
        }

        private static String observation(String id, String patient, int heartRate) {
            return "{\"resourceType\":\"Observation\"," + (id == null ? "" : "\"id\":\"" + id + "\",")
                    + "\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\","
                    + "\"display\":\"Heart rate\"}]},\"subject\":{\"reference\":\"Patient/" + patient + "\"},"
                    + "\"effectiveDateTime\":\"2025-01-01T10:00:00Z\",\"valueQuantity\":{\"value\":" + heartRate
                    + ",\"unit\":\"/min\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"}}";
        }

        private String graphql(String query, String patient) throws Exception {
            String body = JSON.writeValueAsString(Map.of("query", query, "variables", Map.of("id", patient)));
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(target.base() + "/graphql"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
            if (r.statusCode() != 200) return "HTTP " + r.statusCode();
            JsonNode errors = JSON.readTree(r.body()).path("errors");
            return errors.isEmpty() ? null : "GraphQL " + errors.path(0).path("extensions").path("classification").asString("error");
        }

        private HttpResponse<String> get(String path) throws Exception {
            return send(fhir(path).GET());
        }

        private HttpRequest.Builder fhir(String path) {
            return HttpRequest.newBuilder(URI.create(target.base() + "/fhir/" + path)).header("Accept", "application/fhir+json");
        }

        private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
            return http.send(request.header("Authorization", "Bearer " + target.token()).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        private static String expect(HttpResponse<String> r, int status) {
            return r.statusCode() == status ? null : "HTTP " + r.statusCode();
        }

        private static String enc(String value) {
            return URLEncoder.encode(value, StandardCharsets.UTF_8);
        }
    }
}
