package org.caregraph.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Concurrent FHIR writes over HTTP with a model of what each acknowledged write must leave: each client thread writes
 * its own resources, one request at a time, cycling through a create (POST, found again by its identifier), updates
 * and a delete (PUT, DELETE of its own Patients, which re-creates a deleted one) and a transaction (a Patient PUT, an
 * Encounter and an Observation POSTed with urn:uuid references between them: all or nothing). A thread stops at its
 * first request without a 2xx answer (the server was killed, say): that write may or may not have happened.
 * <p>
 * The store is then read back ({@link Store}) and must be, for every thread, exactly the state its first k writes
 * leave, for one k: everything acknowledged is there, nothing half of a transaction, nothing written twice.
 */
final class WriteLoad {
    static final String SYSTEM = "urn:caregraph:load";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int OWN = 3; // Patients each thread updates and deletes

    /** How the store is read back: a resource by key, and how many current resources of a type hold an identifier. */
    interface Store {
        Seen read(String key) throws Exception;

        long count(String type, String identifier) throws Exception;
    }

    /**
     * A resource as found: absent, deleted, or current at a version with a marker. Deletions are compared as such
     * (their version is the model's own bookkeeping).
     */
    record Seen(boolean exists, boolean deleted, long versionId, String marker) {
        static final Seen ABSENT = new Seen(false, false, 0, null);
        static final Seen DELETED = new Seen(true, true, 0, null);

        Seen compared() {
            return deleted ? DELETED : this;
        }
    }

    private enum Kind { CREATE, UPDATE, DELETE, TRANSACTION }

    private record Op(Kind kind, String key, String id, String marker) {
    }

    private final String base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Client> clients = new ArrayList<>();

    WriteLoad(String base, String token, int threads, String run) {
        this.base = base;
        this.token = token;
        for (int t = 0; t < threads; t++) clients.add(new Client(run + "t" + t));
    }

    void start() {
        for (Client c : clients) c.thread = Thread.ofPlatform().name("write-load-" + c.name).start(c);
    }

    /** Stops the clients after their current request and waits for them. */
    void stop() throws InterruptedException {
        stop.set(true);
        for (Client c : clients) c.thread.join(Duration.ofMinutes(2));
    }

    /** Why clients stopped before they were told to, if any did. */
    List<String> failures() {
        return clients.stream().filter(c -> c.failure != null).map(c -> c.name + ": " + c.failure).toList();
    }

    /** Writes acknowledged so far, over all clients. */
    long acknowledged() {
        return clients.stream().mapToLong(c -> c.acked).sum();
    }

    /** Per client, the writes acknowledged so far: a backup begun now must hold at least these. */
    long[] acknowledgedEach() {
        return clients.stream().mapToLong(c -> c.acked).toArray();
    }

    /** Per client, the writes begun so far: a backup finished now holds at most these. */
    long[] begunEach() {
        return clients.stream().mapToLong(c -> c.begun).toArray();
    }

    /** Every client's writes are in {@code store} up to an acknowledged or in-flight one, whole, and nothing more. */
    void verify(Store store) throws Exception {
        long[] none = new long[clients.size()];
        long[] all = new long[clients.size()];
        for (int i = 0; i < clients.size(); i++) {
            none[i] = clients.get(i).acked;
            all[i] = clients.get(i).begun;
        }
        verify(store, none, all);
    }

    /** As {@link #verify(Store)}, with client i's prefix between {@code least[i]} and {@code most[i]} writes. */
    void verify(Store store, long[] least, long[] most) throws Exception {
        for (int i = 0; i < clients.size(); i++) {
            Client c = clients.get(i);
            assertThat(c.acked).as("client %s wrote (%s)", c.name, c.failure).isPositive();
            Map<String, Seen> seen = new HashMap<>();
            Map<String, Long> counts = new HashMap<>();
            for (Op op : c.ops) {
                for (String key : keys(op)) if (!seen.containsKey(key)) seen.put(key, store.read(key).compared());
                for (Ident ident : identifiers(op)) counts.put(ident.type() + "|" + ident.value(), store.count(ident.type(), ident.value()));
            }
            List<Long> matching = new ArrayList<>();
            for (long k = least[i]; k <= Math.min(most[i], c.ops.size()); k++) {
                Map<String, Seen> want = new HashMap<>();
                state(c, k, seen.keySet()).forEach((key, s) -> want.put(key, s.compared()));
                if (want.equals(seen) && counts(c, k).equals(counts)) matching.add(k);
            }
            assertThat(matching).as("client %s: the store holds its first k writes for one k in [%d, %d] (acknowledged %d, begun %d); "
                    + "found %s and identifiers %s", c.name, least[i], most[i], c.acked, c.begun, seen, counts).isNotEmpty();
        }
    }

    private static List<String> keys(Op op) {
        return switch (op.kind) {
            case UPDATE, DELETE, TRANSACTION -> List.of(op.key);
            case CREATE -> List.of();
        };
    }

    /** A resource found by the identifier a write gave it. */
    private record Ident(String type, String value) {
    }

    private static List<Ident> identifiers(Op op) {
        return switch (op.kind) {
            case CREATE -> List.of(new Ident("Patient", op.id));
            case TRANSACTION -> List.of(new Ident("Encounter", op.id), new Ident("Observation", op.id));
            default -> List.of();
        };
    }

    /** What the first {@code k} writes of {@code c} leave at {@code keys}. */
    private static Map<String, Seen> state(Client c, long k, java.util.Set<String> keys) {
        Map<String, Seen> out = new HashMap<>();
        for (String key : keys) out.put(key, Seen.ABSENT);
        for (Op op : c.ops.subList(0, (int) k)) {
            Seen was = out.getOrDefault(op.key, Seen.ABSENT);
            switch (op.kind) {
                case UPDATE, TRANSACTION -> out.put(op.key, new Seen(true, false, was.versionId + 1, op.marker));
                case DELETE -> {
                    if (was.exists && !was.deleted) out.put(op.key, new Seen(true, true, was.versionId + 1, null));
                }
                case CREATE -> { }
            }
        }
        return out;
    }

    /** How many resources hold each identifier after the first {@code k} writes of {@code c}: one each, or none yet. */
    private static Map<String, Long> counts(Client c, long k) {
        Map<String, Long> out = new HashMap<>();
        for (int i = 0; i < c.ops.size(); i++) {
            for (Ident ident : identifiers(c.ops.get(i))) out.put(ident.type() + "|" + ident.value(), i < k ? 1L : 0L);
        }
        return out;
    }

    private final class Client implements Runnable {
        final String name;
        final List<Op> ops = new ArrayList<>(); // begun, in order
        volatile long acked;
        volatile long begun;
        volatile String failure;
        Thread thread;

        Client(String name) {
            this.name = name;
        }

        @Override
        public void run() {
            for (int i = 0; !stop.get(); i++) {
                Op op = next(i);
                synchronized (this) {
                    ops.add(op);
                }
                begun++;
                try {
                    int status = send(op);
                    if (status / 100 != 2 || (op.kind == Kind.CREATE && status != 201)) {
                        failure = op.kind + " answered " + status;
                        return;
                    }
                } catch (IOException | InterruptedException e) {
                    failure = op.kind + ": " + e; // no answer: the write may or may not have happened
                    return;
                }
                acked++;
            }
        }

        private Op next(int i) {
            String own = "Patient/" + name + "-p" + (i / 5) % OWN;
            String marker = name + "-w" + i;
            return switch (i % 5) {
                case 0 -> new Op(Kind.CREATE, null, name + "-c" + i, marker);
                case 1, 2 -> new Op(Kind.UPDATE, own, null, marker);
                case 3 -> new Op(Kind.TRANSACTION, "Patient/" + name + "-x" + i, name + "-x" + i, marker);
                default -> new Op(Kind.DELETE, own, null, null);
            };
        }

        private int send(Op op) throws IOException, InterruptedException {
            return switch (op.kind) {
                case CREATE -> call("POST", "/fhir/Patient", patient(null, op.id, op.marker));
                case UPDATE -> call("PUT", "/fhir/" + op.key, patient(op.key.substring(8), null, op.marker));
                case DELETE -> call("DELETE", "/fhir/" + op.key, null);
                case TRANSACTION -> call("POST", "/fhir", transaction(op));
            };
        }
    }

    private int call(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(3))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/fhir+json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String patient(String id, String identifier, String marker) {
        Map<String, Object> p = new HashMap<>();
        p.put("resourceType", "Patient");
        if (id != null) p.put("id", id);
        if (identifier != null) p.put("identifier", List.of(Map.of("system", SYSTEM, "value", identifier)));
        p.put("name", List.of(Map.of("family", "Load", "given", List.of(marker))));
        return json(p);
    }

    private static String transaction(Op op) {
        String patientId = op.key.substring(8);
        Map<String, Object> ident = Map.of("system", SYSTEM, "value", op.id);
        Map<String, Object> encounter = Map.of("resourceType", "Encounter", "status", "finished",
                "class", Map.of("system", "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code", "AMB"),
                "identifier", List.of(ident), "subject", Map.of("reference", op.key),
                "period", Map.of("start", "2024-01-01T10:00:00Z"));
        Map<String, Object> observation = Map.of("resourceType", "Observation", "status", "final",
                "identifier", List.of(ident), "code", Map.of("coding", List.of(Map.of("system", "http://loinc.org", "code", "8302-2"))),
                "subject", Map.of("reference", op.key), "encounter", Map.of("reference", urn(op)),
                "valueString", op.marker);
        return json(Map.of("resourceType", "Bundle", "type", "transaction", "entry", List.of(
                Map.of("resource", read(patient(patientId, null, op.marker)), "request", Map.of("method", "PUT", "url", op.key)),
                Map.of("fullUrl", urn(op), "resource", encounter, "request", Map.of("method", "POST", "url", "Encounter")),
                Map.of("resource", observation, "request", Map.of("method", "POST", "url", "Observation")))));
    }

    private static String urn(Op op) {
        return "urn:uuid:" + java.util.UUID.nameUUIDFromBytes(op.id.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The marker a write left on a resource: a Patient's given name, an Observation's value. */
    static String marker(JsonNode resource) {
        JsonNode given = resource.path("name").path(0).path("given").path(0);
        return given.isMissingNode() ? resource.path("valueString").asText(null) : given.asText();
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
