package org.caregraph.graph;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.caregraph.security.AccessContext;
import org.caregraph.security.AccessViolationException;
import org.caregraph.security.CareGraphScope;
import org.neo4j.driver.Driver;
import org.springframework.beans.factory.ObjectProvider;
import org.neo4j.driver.Record;
import org.neo4j.driver.Result;
import org.neo4j.driver.TransactionConfig;
import org.neo4j.driver.Value;
import org.neo4j.driver.Values;
import org.neo4j.driver.types.TypeSystem;

import org.springframework.stereotype.Component;

/**
 * The read side's one door to the graph: the FHIR API, the GraphQL analytics, exports and the analysts' Cypher
 * endpoint all read through it, and it reads for a caller only: every method takes the caller's {@link AccessContext}.
 * Named queries get it as {@code $access} (with {@code $access.compartmentTypes}) and filter by it inside the query
 * ({@code cypher/security/visible.cypher}), so what the caller may not see is never read. What leaves is checked once
 * more: every row (or list element) carrying resource content ({@code json}) must carry its {@code type} and
 * {@code compartments} and be visible to the caller, or the read fails ({@link AccessViolationException}); the patients
 * whose compartments the rows come from are noted on the context for the audit record. Every read runs in a read
 * transaction with a timeout: a runaway query is stopped by the database. The named queries run in-process when the
 * store is embedded ({@link InProcessReads}), through the driver otherwise; the analysts' Cypher always through the
 * driver.
 */
@Component
public class GraphReader {
    private final Driver driver;
    private final Duration timeout;
    private final MeterRegistry meters;
    private final Set<String> compartmentTypes;
    private final List<String> compartmentTypeList;
    /** the named queries' path when the store is embedded (see {@link InProcessReads}); null: through the driver */
    private final InProcessReads inProcess;

    /** A reader through the driver only (a Neo4j server, or a second view of a store in tests). */
    public GraphReader(Driver driver, Duration timeout, MeterRegistry meters, PatientCompartment compartment) {
        this(driver, timeout, meters, compartment, null);
    }

    @org.springframework.beans.factory.annotation.Autowired
    public GraphReader(Driver driver, @org.springframework.beans.factory.annotation.Value("${caregraph.read.timeout:30s}") Duration timeout, MeterRegistry meters,
                       PatientCompartment compartment, ObjectProvider<EmbeddedNeo4j> embedded) {
        this.driver = driver;
        this.timeout = timeout;
        this.meters = meters;
        this.compartmentTypes = compartment.types();
        this.compartmentTypeList = List.copyOf(compartment.types());
        EmbeddedNeo4j store = embedded == null ? null : embedded.getIfAvailable();
        this.inProcess = store == null ? null : new InProcessReads(store::database);
    }

    /**
     * A stored version of a resource: its JSON as received, with the server's version and time beside it; a deletion
     * (FHIR delete) is a version without JSON.
     */
    public record StoredResource(String json, long versionId, String lastUpdated, boolean deleted) {
        static StoredResource of(Record r) {
            return new StoredResource(r.get("json").asString(null), r.get("versionId").asLong(), r.get("lastUpdated").asString(),
                    r.containsKey("deleted") && r.get("deleted").asBoolean());
        }
    }

    /** The current version; empty when the resource does not exist, is deleted, or is not the caller's to see. */
    public Optional<StoredResource> read(AccessContext access, String key) {
        return list(access, "read-resource", Map.of("key", key), StoredResource::of).stream().findFirst();
    }

    /** Every version, newest first, deletions included; empty when the resource never existed or is not visible. */
    public List<StoredResource> history(AccessContext access, String key) {
        return list(access, "read-history", Map.of("key", key), StoredResource::of);
    }

    /**
     * Stored resources as (key, JSON) from {@code cypher/NAME.cypher} a page at a time, in key order, for the commands
     * that go over the whole store (reindex, NLP re-runs) without holding it: the query takes {@code $after} (the last
     * key of the previous page, '' at first) and {@code $limit} besides {@code parameters}.
     */
    public void forEachPage(AccessContext access, String name, Map<String, ?> parameters, int pageSize,
                            Consumer<List<Map.Entry<String, String>>> page) {
        String after = "";
        while (true) {
            Map<String, Object> p = new HashMap<>(parameters);
            p.put("after", after);
            p.put("limit", pageSize);
            List<Map.Entry<String, String>> rows = list(access, name, p,
                    r -> Map.entry(r.get("key").asString(), r.get("json").asString()));
            if (rows.isEmpty()) return;
            page.accept(rows);
            after = rows.getLast().getKey();
        }
    }

    /** The rows of the query in {@code cypher/NAME.cypher}, each mapped by {@code row}. */
    public <T> List<T> list(AccessContext access, String name, Map<String, ?> parameters, Function<Record, T> row) {
        return stream(access, name, parameters, timeout, records -> {
            List<T> out = new ArrayList<>();
            records.forEachRemaining(r -> out.add(row.apply(r)));
            return out;
        });
    }

    /**
     * The rows of the query in {@code cypher/NAME.cypher}, handed to {@code reader} one at a time as they stream (an
     * export writes them out without holding them), each checked as {@link #list} checks them; {@code timeout} is the
     * read transaction's.
     */
    public <T> T stream(AccessContext access, String name, Map<String, ?> parameters, Duration timeout,
                        Function<Iterator<Record>, T> reader) {
        Objects.requireNonNull(access, "no access context: the graph is not read for nobody");
        Map<String, Object> params = new HashMap<>(parameters);
        Map<String, Object> acc = access.cypherParameter();
        acc.put("compartmentTypes", compartmentTypeList);
        params.put("access", acc);
        // timed per query name (metric caregraph.graph.reads): what the API costs, and how many round trips it makes
        return Timer.builder("caregraph.graph.reads").tag("query", name).register(meters)
                .record(() -> records(Cypher.query(name), params, timeout, records -> reader.apply(new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return records.hasNext();
                    }

                    @Override
                    public Record next() {
                        Record r = records.next();
                        admit(access, name, r);
                        return r;
                    }
                })));
    }

    /** A named query's rows in a read transaction: in-process when the store is embedded, else through the driver. */
    private <T> T records(String cypher, Map<String, Object> params, Duration timeout, Function<Iterator<Record>, T> reader) {
        if (inProcess != null) return inProcess.read(cypher, params, timeout, reader);
        return inReadTransaction(cypher, params, timeout, reader::apply);
    }

    /**
     * The rows of {@code cypher/NAME.cypher} over the whole store, unfiltered and unchecked, for the server's own
     * operations on the store as such (backup, consistency check): every node of every label, whoever's it is, so
     * only a service context may ask. Not retried: what {@code reader} has written out cannot be taken back, so a
     * failure is the caller's to report.
     */
    public <T> T streamAll(AccessContext access, String name, Map<String, ?> parameters, Duration timeout,
                           Function<Iterator<Record>, T> reader) {
        Objects.requireNonNull(access, "no access context: the graph is not read for nobody");
        if (access.kind() != AccessContext.Kind.SERVICE) {
            throw new AccessViolationException("whole-store reads are the server's own work");
        }
        return Timer.builder("caregraph.graph.reads").tag("query", name).register(meters).record(() -> {
            try (var s = driver.session(org.neo4j.driver.SessionConfig.builder()
                    .withDefaultAccessMode(org.neo4j.driver.AccessMode.READ).build());
                 var tx = s.beginTransaction(TransactionConfig.builder().withTimeout(timeout).build())) {
                T out = reader.apply(tx.run(Cypher.query(name), Values.value(new HashMap<>(parameters))));
                tx.commit();
                return out;
            }
        });
    }

    /**
     * Runs the analysts' own {@code cypher} (POST /cypher) in a read transaction with {@code timeout}: whole-graph
     * access, which only the Cypher capability grants, since such a query cannot be confined to a compartment.
     */
    public <T> T runAnalystQuery(AccessContext access, String cypher, Map<String, ?> parameters, Duration timeout,
                                 Function<Result, T> reader) {
        Objects.requireNonNull(access, "no access context: the graph is not read for nobody");
        if (!access.has(CareGraphScope.CYPHER)) {
            throw new AccessViolationException("whole-graph Cypher needs " + CareGraphScope.CYPHER.scope);
        }
        return inReadTransaction(cypher, new HashMap<>(parameters), timeout, reader);
    }

    private <T> T inReadTransaction(String cypher, Map<String, Object> params, Duration timeout, Function<Result, T> reader) {
        try (var s = driver.session()) {
            return s.executeRead(tx -> reader.apply(tx.run(cypher, Values.value(params))),
                    TransactionConfig.builder().withTimeout(timeout).build());
        }
    }

    /** The last check of what leaves the door (see the class comment). */
    private void admit(AccessContext access, String query, Record r) {
        if (r.containsKey("json")) admit(access, query, r::containsKey, r::get);
        for (Value v : r.values()) {
            if (!v.hasType(TypeSystem.getDefault().LIST())) continue;
            for (Value item : v.values()) {
                if (item.hasType(TypeSystem.getDefault().MAP()) && item.containsKey("json")) {
                    admit(access, query, item::containsKey, item::get);
                }
            }
        }
    }

    private void admit(AccessContext access, String query, Function<String, Boolean> has, Function<String, Value> get) {
        if (access.aggregatesOnly()) {
            throw new AccessViolationException("query " + query + " returns resource content to a population aggregate");
        }
        if (!has.apply("type") || !has.apply("compartments")) {
            throw new AccessViolationException("query " + query + " returns resource content without its type and compartments");
        }
        Value typeValue = get.apply("type");
        Value compValue = get.apply("compartments");
        String type = typeValue.isNull() ? null : typeValue.asString();
        List<String> compartments = compValue.isNull() ? null : compValue.asList(Value::asString);
        // a compartment type stored without its compartments (written before they were kept) belongs to no one's
        if (compartments == null && compartmentTypes.contains(type)) compartments = List.of();
        List<String> categories = has.apply("categories") && !get.apply("categories").isNull()
                ? get.apply("categories").asList(Value::asString) : null;
        if (!access.mayRead(type, compartments, categories)) {
            throw new AccessViolationException("query " + query + " returned a resource outside the caller's access");
        }
        access.touch(compartments);
    }
}
