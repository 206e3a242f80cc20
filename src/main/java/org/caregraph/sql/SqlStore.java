package org.caregraph.sql;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.caregraph.graph.GraphChanged;
import org.caregraph.graph.GraphReader;
import org.caregraph.security.AccessContext;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.hl7.fhir.r4.model.Resource;
import org.neo4j.driver.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The SQL store: every table ({@link SqlTable}: the built-in views of sql-views/, every active stored ViewDefinition,
 * the encounter chain) materialized in an embedded DuckDB under the data directory, and kept fresh.
 *
 * <p>One worker thread does all the writing. A table is built whole (at the first start, when its definition changes,
 * after an unclean stop) into a new physical table, and swapped in atomically: analysts query a view of the same name
 * ({@code main.patients}), which one transaction points at the new table while the old one is dropped, so a reader
 * sees the old or the new table, never a half-built one. After that, the writer's {@link GraphChanged} events name the
 * resources and patients a commit touched; the worker reads their current state from the graph and replaces their
 * rows (staged, then deleted and inserted in one transaction). The event listener only records the keys: the write
 * path pays a set insertion.
 *
 * <p>DuckDB cannot open one database file twice in a process (a read-only second instance and an ATTACH are both
 * refused), so analysts query this same instance; it is locked down when it opens — no file or URL access except
 * the store's own spool directory (Parquet output), no extensions installed or loaded, configuration locked — and
 * their statements pass {@link SqlGuard} (DuckDB's own parser: one SELECT, known tables, no table functions) before
 * they run.
 */
@Component
public class SqlStore implements DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(SqlStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Resources read from the graph, parsed and turned into rows per task: large enough to keep the parsers busy. */
    private static final int CHUNK = 256;
    private static final String KEY_COLUMN = "_resource";
    /** The store reads the whole graph: its tables are only for callers with the SQL capability (/sql, $sqlquery-run). */
    private static final AccessContext SERVICE = AccessContext.service("sql-store");

    /** What the store is doing, for /sql and the CLI: a table that is not ready yet answers 503. */
    public enum State { STARTING, READY, FAILED, CLOSED }

    private final GraphReader graph;
    private final ViewCompiler compiler;
    private final BuiltInViews builtIns;
    private final FhirContext fhir;
    private final Path dir;
    private final Duration buildTimeout;
    private final String memoryLimit;
    private final boolean enabled;
    private final Timer freshness;
    private final Timer enqueue;
    private final ExecutorService parsers;
    private final Thread worker;
    private final Object signal = new Object();
    private final Set<String> pendingKeys = ConcurrentHashMap.newKeySet();
    private final Set<String> pendingPatients = ConcurrentHashMap.newKeySet();
    /** When the oldest change not yet applied was committed (System.nanoTime), 0 when none is pending. */
    private volatile long pendingSince;
    private volatile boolean reload = true;
    private volatile boolean rebuildAll;
    /** Tables asked to be rebuilt by name (benchmarks): built again even when their definition is unchanged. */
    private final Set<String> rebuildTables = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    /** Work the worker is doing or has queued; {@link #awaitIdle} waits for 0. */
    private volatile boolean busy = true;
    private volatile State state = State.STARTING;
    private volatile String failure;
    /** The tables whose rows follow the writer's changes. */
    private volatile Map<String, SqlTable> tables = Map.of();
    /** The tables analysts can query now (in the catalog), and those being built for the first time or again. */
    private volatile Set<String> queryable = Set.of();
    private volatile Set<String> building = Set.of();
    private DuckDBConnection db;

    public SqlStore(GraphReader graph, ViewCompiler compiler, BuiltInViews builtIns, FhirContext fhir, MeterRegistry meters,
                    @Value("${caregraph.sql.dir:${caregraph.neo4j.data-dir}/sql}") Path dir,
                    @Value("${caregraph.sql.build-timeout:30m}") Duration buildTimeout,
                    @Value("${caregraph.sql.memory-limit:1GB}") String memoryLimit,
                    @Value("${caregraph.sql.enabled:true}") boolean enabled) {
        this.graph = graph;
        this.compiler = compiler;
        this.builtIns = builtIns;
        this.fhir = fhir;
        this.dir = dir.toAbsolutePath();
        this.buildTimeout = buildTimeout;
        this.memoryLimit = memoryLimit;
        this.enabled = enabled;
        this.freshness = Timer.builder("caregraph.sql.freshness").description("commit in the graph to rows in SQL")
                .publishPercentiles(0.5, 0.95).register(meters);
        this.enqueue = Timer.builder("caregraph.sql.enqueue").description("what the SQL store adds to a write")
                .publishPercentiles(0.5, 0.95).register(meters);
        this.parsers = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()),
                Thread.ofPlatform().name("sql-rows-", 0).daemon().factory());
        this.worker = Thread.ofPlatform().name("sql-store").daemon().unstarted(this::run);
        if (!enabled) state = State.CLOSED;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        if (enabled && !worker.isAlive() && state == State.STARTING) worker.start();
        if (!enabled) markStale();
    }

    /**
     * With the store switched off, this process may write to the graph behind its back: a store left in the data
     * directory is marked as not cleanly stopped, so the next process that keeps it rebuilds it rather than serve
     * tables that missed these writes.
     */
    private void markStale() {
        Path file = dir.resolve("caregraph.duckdb");
        if (!Files.exists(file)) return;
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS cg");
            s.execute("CREATE TABLE IF NOT EXISTS cg.state (name VARCHAR PRIMARY KEY, value VARCHAR)");
            s.execute("INSERT OR REPLACE INTO cg.state VALUES ('clean', 'false')");
        } catch (SQLException e) {
            log.warn("SQL store at {} is in use by another process: its tables will not see this process's writes", dir);
        }
    }

    /** The writer committed: note what changed (the worker applies it). */
    @EventListener
    void changed(GraphChanged change) {
        if (!enabled) return;
        long started = System.nanoTime();
        if (pendingSince == 0) pendingSince = started;
        pendingKeys.addAll(change.keys());
        pendingPatients.addAll(change.relinked());
        wake();
        enqueue.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }

    public State state() {
        return state;
    }

    /** Why the store failed (state FAILED), else null. */
    public String failure() {
        return failure;
    }

    /** The tables kept fresh, by name. */
    public Map<String, SqlTable> tables() {
        return tables;
    }

    /** The names analysts can query now. */
    public Set<String> queryable() {
        return queryable;
    }

    /** The tables being built: one not queryable yet answers "try again shortly". */
    public Set<String> building() {
        return building;
    }

    /** The directory DuckDB may write Parquet to (and nothing else). */
    Path spool() {
        return dir.resolve("spool");
    }

    /**
     * A new connection to the store for one query (DuckDB connections are not shared between threads).
     *
     * @throws SqlException 503 when the store is not open
     */
    Connection connect() throws SQLException {
        DuckDBConnection open = db;
        if (open == null || state == State.CLOSED || state == State.FAILED) {
            throw SqlException.unavailable("the SQL store is " + state.name().toLowerCase()
                    + (failure == null ? "" : ": " + failure));
        }
        return open.duplicate();
    }

    /** Rebuilds every table (as at a first start): for a graph changed behind the writer's back. */
    public void rebuild() {
        rebuildAll = true;
        reload = true;
        busy = true;
        wake();
    }

    /** Rebuilds the tables named (what the benchmark times). */
    public void rebuild(Set<String> names) {
        rebuildTables.addAll(names);
        reload = true;
        busy = true;
        wake();
    }

    /**
     * Waits until the store has applied every change it was told of and built every table it knows (for tests, the
     * CLI and benchmarks); false when it did not within {@code timeout}.
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (state == State.READY && !busy && !reload && pendingKeys.isEmpty() && pendingPatients.isEmpty()) return true;
            if (state == State.FAILED || state == State.CLOSED) return false;
            Thread.sleep(5);
        }
        return false;
    }

    private void wake() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    private void run() {
        try {
            open();
        } catch (SQLException | IOException | RuntimeException e) {
            failure = e.getMessage();
            state = State.FAILED;
            log.error("SQL store at {} could not open: {}", dir, e.getMessage());
            return;
        }
        while (true) {
            try {
                busy = true;
                if (reload && !stopping) {
                    reload = false;
                    boolean all = rebuildAll;
                    rebuildAll = false;
                    Set<String> named = drain(rebuildTables);
                    try {
                        load(all, named);
                    } catch (SQLException | RuntimeException e) {
                        // tried again after a pause; the tables not rebuilt keep what they had
                        reload = true;
                        rebuildAll |= all;
                        rebuildTables.addAll(named);
                        throw e;
                    }
                    state = State.READY;
                }
                apply();
                busy = false;
                if (stopping) break;
                synchronized (signal) {
                    if (!stopping && !reload && pendingKeys.isEmpty() && pendingPatients.isEmpty()) signal.wait(1000);
                }
            } catch (InterruptedException e) {
                break;
            } catch (SQLException | RuntimeException e) {
                log.warn("SQL store: {} ({})", e.getMessage(), e.getClass().getSimpleName());
                if (stopping) break;
                sleepQuietly();
            }
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Opens (or creates) the database, locks it down, and notes whether the last process stopped cleanly. */
    private void open() throws SQLException, IOException {
        Files.createDirectories(spool());
        try (var old = Files.list(spool())) {
            for (Path p : old.toList()) Files.deleteIfExists(p);
        }
        Path file = dir.resolve("caregraph.duckdb");
        boolean existed = Files.exists(file);
        Properties props = new Properties();
        props.setProperty("autoinstall_known_extensions", "false");
        props.setProperty("autoload_known_extensions", "false");
        db = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + file, props);
        try (Statement s = db.createStatement()) {
            s.execute("SET memory_limit = '" + memoryLimit.replace("'", "") + "'");
            s.execute("SET allowed_directories = ['" + spool().toString().replace("'", "''") + "/']");
            s.execute("SET enable_external_access = false");
            s.execute("SET lock_configuration = true");
            s.execute("CREATE SCHEMA IF NOT EXISTS cg");
            s.execute("CREATE TABLE IF NOT EXISTS cg.catalog (name VARCHAR PRIMARY KEY, physical VARCHAR NOT NULL, "
                    + "hash VARCHAR NOT NULL, source VARCHAR, built_at TIMESTAMP WITH TIME ZONE)");
            s.execute("CREATE TABLE IF NOT EXISTS cg.state (name VARCHAR PRIMARY KEY, value VARCHAR)");
            boolean clean = false;
            try (ResultSet rs = s.executeQuery("SELECT value FROM cg.state WHERE name = 'clean'")) {
                if (rs.next()) clean = "true".equals(rs.getString(1));
            }
            if (existed && !clean) {
                log.info("SQL store: the last stop was not clean; every table is rebuilt");
                rebuildAll = true;
            }
            s.execute("INSERT OR REPLACE INTO cg.state VALUES ('clean', 'false')");
        }
        log.info("SQL store open at {}", file);
    }

    /**
     * The tables wanted now, built where they are missing or changed (all of them, or those {@code named}, when asked),
     * and the catalog made to match.
     */
    private void load(boolean all, Set<String> named) throws SQLException, InterruptedException {
        Map<String, SqlTable> wanted = new LinkedHashMap<>();
        for (ViewTable t : builtIns.views()) wanted.put(t.name(), t);
        for (Record r : graph.list(SERVICE, "sql/view-definitions", Map.of(), r -> r)) {
            String key = r.get("key").asString();
            try {
                JsonNode json = JSON.readTree(r.get("json").asString());
                if (!"active".equals(json.path("status").asText())) continue;
                ViewTable t = ViewTable.of(compiler.compile(json), json, key);
                SqlTable taken = wanted.putIfAbsent(t.name(), t);
                if (taken != null) log.warn("SQL store: {} is not materialized, its name {} is taken by {}", key, t.name(), taken.source());
            } catch (IOException | ViewException e) {
                log.warn("SQL store: {} is not materialized: {}", key, e.getMessage());
            }
        }
        ChainTable chain = new ChainTable();
        wanted.put(chain.name(), chain);

        Map<String, String[]> catalog = catalog();
        queryable = Set.copyOf(catalog.keySet());
        for (Map.Entry<String, String[]> c : catalog.entrySet()) {
            if (!wanted.containsKey(c.getKey())) drop(c.getKey(), c.getValue()[0]);
        }
        List<SqlTable> build = wanted.values().stream()
                .filter(t -> all || named.contains(t.name()) || !catalog.containsKey(t.name())
                        || !catalog.get(t.name())[1].equals(t.hash())).toList();
        Map<String, SqlTable> ready = new LinkedHashMap<>(wanted);
        build.forEach(t -> ready.remove(t.name()));
        tables = Map.copyOf(ready);
        building = build.stream().map(SqlTable::name).collect(Collectors.toUnmodifiableSet());
        // views of one resource type are built from one read of that type
        Map<String, List<ViewTable>> byType = new TreeMap<>();
        for (SqlTable t : build) {
            if (t instanceof ViewTable v) byType.computeIfAbsent(v.resourceType(), k -> new ArrayList<>()).add(v);
        }
        for (Map.Entry<String, List<ViewTable>> group : byType.entrySet()) {
            buildViews(group.getKey(), group.getValue());
            group.getValue().forEach(v -> ready.put(v.name(), v));
            tables = Map.copyOf(ready);
        }
        if (build.contains(chain)) {
            buildChain(chain);
            ready.put(chain.name(), chain);
        }
        tables = Map.copyOf(ready);
        building = Set.of();
    }

    /** name → {physical table, hash}. */
    private Map<String, String[]> catalog() throws SQLException {
        Map<String, String[]> out = new HashMap<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT name, physical, hash FROM cg.catalog")) {
            while (rs.next()) out.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3)});
        }
        return out;
    }

    private void drop(String name, String physical) throws SQLException {
        transaction(s -> {
            s.execute("DROP VIEW IF EXISTS main." + SqlColumn.quote(name));
            dropPhysical(s, physical);
            try (PreparedStatement p = db.prepareStatement("DELETE FROM cg.catalog WHERE name = ?")) {
                p.setString(1, name);
                p.executeUpdate();
            }
        });
        queryable = Set.copyOf(catalog().keySet());
        log.info("SQL store: table {} dropped", name);
    }

    private static void dropPhysical(Statement s, String physical) throws SQLException {
        s.execute("DROP TABLE IF EXISTS cg." + SqlColumn.quote(physical));
        s.execute("DROP TABLE IF EXISTS cg." + SqlColumn.quote(physical + "_stage"));
    }

    private interface Work {
        void run(Statement s) throws SQLException;
    }

    /** {@code work} in one transaction of the worker's connection, committed, or rolled back on failure. */
    private void transaction(Work work) throws SQLException {
        db.setAutoCommit(false);
        try (Statement s = db.createStatement()) {
            work.run(s);
            db.commit();
        } catch (SQLException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(true);
        }
    }

    /** A new, empty physical table (and its staging twin) for {@code table}. */
    private String create(SqlTable table) throws SQLException {
        String physical = table.name() + "__" + Long.toString(System.nanoTime(), 36);
        String columns = KEY_COLUMN + " VARCHAR, " + table.columns().stream().map(SqlColumn::ddl).collect(Collectors.joining(", "));
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE cg." + SqlColumn.quote(physical) + " (" + columns + ")");
            s.execute("CREATE TABLE cg." + SqlColumn.quote(physical + "_stage") + " (" + columns + ")");
        }
        return physical;
    }

    /** Points the view {@code table} at {@code physical}, drops what it pointed at, records it: one transaction. */
    private void swap(SqlTable table, String physical) throws SQLException {
        String old = catalog().getOrDefault(table.name(), new String[] {null})[0];
        String columns = table.columns().stream().map(c -> SqlColumn.quote(c.name())).collect(Collectors.joining(", "));
        transaction(s -> {
            s.execute("CREATE OR REPLACE VIEW main." + SqlColumn.quote(table.name()) + " AS SELECT " + columns
                    + " FROM cg." + SqlColumn.quote(physical));
            if (old != null && !old.equals(physical)) dropPhysical(s, old);
            try (PreparedStatement p = db.prepareStatement("INSERT OR REPLACE INTO cg.catalog VALUES (?, ?, ?, ?, now())")) {
                p.setString(1, table.name());
                p.setString(2, physical);
                p.setString(3, table.hash());
                p.setString(4, table.source());
                p.executeUpdate();
            }
        });
        queryable = Set.copyOf(catalog().keySet());
    }

    /** Builds the views of one resource type from one streamed read of it, each into a new table, then swaps them in. */
    private void buildViews(String type, List<ViewTable> views) throws SQLException, InterruptedException {
        long started = System.nanoTime();
        List<String> physical = new ArrayList<>();
        List<DuckDBAppender> appenders = new ArrayList<>();
        for (ViewTable v : views) {
            String p = create(v);
            physical.add(p);
            appenders.add(db.createAppender("cg", p));
        }
        long[] counts = new long[2];
        try {
            graph.stream(SERVICE, "sql/type", Map.of("type", type), buildTimeout, result -> {
                // the driver retries a read that failed transiently: the rows appended so far would be there twice
                if (counts[0] > 0) throw new IllegalStateException("the read of " + type + " was interrupted; built again later");
                Deque<Future<List<Rows>>> inFlight = new ArrayDeque<>();
                List<String[]> chunk = new ArrayList<>(CHUNK);
                try {
                    while (result.hasNext()) {
                        if (stopping) throw new IllegalStateException("stopping");
                        Record r = result.next();
                        chunk.add(new String[] {r.get("key").asString(), r.get("json").asString()});
                        if (chunk.size() == CHUNK) {
                            List<String[]> task = chunk;
                            inFlight.add(parsers.submit(() -> rows(task, views)));
                            chunk = new ArrayList<>(CHUNK);
                            counts[0] += CHUNK;
                        }
                        while (inFlight.size() > 2L * Runtime.getRuntime().availableProcessors() || (!inFlight.isEmpty() && inFlight.peek().isDone())) {
                            counts[1] += append(inFlight.poll().get(), appenders);
                        }
                    }
                    if (!chunk.isEmpty()) {
                        counts[0] += chunk.size();
                        counts[1] += append(rows(chunk, views), appenders);
                    }
                    while (!inFlight.isEmpty()) counts[1] += append(inFlight.poll().get(), appenders);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted");
                } catch (ExecutionException | SQLException e) {
                    throw new IllegalStateException(e.getCause() == null ? e.getMessage() : e.getCause().getMessage(), e);
                }
                return null;
            });
            for (DuckDBAppender a : appenders) a.close();
        } catch (RuntimeException | SQLException e) {
            for (DuckDBAppender a : appenders) closeQuietly(a);
            try (Statement s = db.createStatement()) {
                for (String p : physical) dropPhysical(s, p);
            }
            throw e;
        }
        for (int i = 0; i < views.size(); i++) swap(views.get(i), physical.get(i));
        log.info("SQL store: built {} from {} {} resources ({} rows) in {} ms", views.stream().map(ViewTable::name).toList(),
                counts[0], type, counts[1], (System.nanoTime() - started) / 1_000_000);
    }

    private static void closeQuietly(DuckDBAppender a) {
        try {
            a.close();
        } catch (SQLException e) {
            // the table it appended to is dropped
        }
    }

    /** One resource's rows for each view (index into the views), or nothing for a view it failed. */
    private record Rows(String id, Object[][][] perView) {
    }

    /** Parses each (key, json) and computes its rows for every view; a view that fails on a resource skips it. */
    private List<Rows> rows(List<String[]> records, List<ViewTable> views) {
        IParser parser = fhir.newJsonParser();
        List<Rows> out = new ArrayList<>(records.size());
        for (String[] r : records) {
            String id = r[0].substring(r[0].indexOf('/') + 1);
            Object[][][] perView = new Object[views.size()][][];
            if (r[1] != null) {
                Resource resource = (Resource) parser.parseResource(r[1]);
                for (int v = 0; v < views.size(); v++) {
                    try {
                        perView[v] = views.get(v).rows(resource).toArray(Object[][]::new);
                    } catch (ViewException e) {
                        // no PHI in the log: neither the values the message may quote nor the resource's id
                        log.warn("SQL store: a {} resource has no rows in {} ({} failed on it)", views.get(v).resourceType(),
                                views.get(v).name(), e.element());
                        perView[v] = new Object[0][];
                    }
                }
            }
            out.add(new Rows(id, perView));
        }
        return out;
    }

    private static long append(List<Rows> rows, List<DuckDBAppender> appenders) throws SQLException {
        long n = 0;
        for (Rows r : rows) {
            for (int v = 0; v < appenders.size(); v++) {
                if (r.perView()[v] == null) continue;
                for (Object[] row : r.perView()[v]) {
                    appendRow(appenders.get(v), r.id(), row);
                    n++;
                }
            }
        }
        return n;
    }

    /** One row: its source key first (the tables' key column) unless {@code key} is null, then its values. */
    static void appendRow(DuckDBAppender a, String key, Object[] row) throws SQLException {
        a.beginRow();
        if (key != null) a.append(key);
        for (Object v : row) {
            switch (v) {
                case null -> a.appendNull();
                case String s -> a.append(s);
                case Boolean b -> a.append(b);
                case Integer i -> a.append(i);
                case Long l -> a.append(l);
                case Double d -> a.append(d);
                case java.time.LocalDate d -> a.append(d);
                case java.time.LocalDateTime d -> a.append(d);
                case java.time.OffsetDateTime d -> a.append(d);
                case java.time.LocalTime t -> a.append(t);
                case List<?> l -> a.append(l);
                default -> throw new IllegalArgumentException("cannot store a " + v.getClass().getSimpleName());
            }
        }
        a.endRow();
    }

    /** The encounter chain of every patient, into a new table, swapped in. */
    private void buildChain(ChainTable chain) throws SQLException {
        long started = System.nanoTime();
        String physical = create(chain);
        long n;
        try (DuckDBAppender a = db.createAppender("cg", physical)) {
            n = appendChains(a, chainRows(null));
        }
        swap(chain, physical);
        log.info("SQL store: built {} ({} rows) in {} ms", chain.name(), n, (System.nanoTime() - started) / 1_000_000);
    }

    private Map<String, List<Object[]>> chainRows(List<String> patients) {
        Map<String, Object> params = new HashMap<>();
        params.put("patients", patients);
        return graph.stream(SERVICE, "sql/encounter-chain", params, buildTimeout, ChainTable::rows);
    }

    private static long appendChains(DuckDBAppender a, Map<String, List<Object[]>> rows) throws SQLException {
        long n = 0;
        for (Map.Entry<String, List<Object[]>> p : rows.entrySet()) {
            for (Object[] row : p.getValue()) {
                appendRow(a, p.getKey(), row);
                n++;
            }
        }
        return n;
    }

    /** Applies the changes noted since the last call: the rows of every changed resource and relinked patient. */
    private void apply() throws SQLException, InterruptedException {
        long since = pendingSince;
        Set<String> keys = drain(pendingKeys);
        Set<String> patients = drain(pendingPatients);
        if (keys.isEmpty() && patients.isEmpty()) return;
        pendingSince = pendingKeys.isEmpty() && pendingPatients.isEmpty() ? 0 : System.nanoTime();
        if (keys.stream().anyMatch(k -> k.startsWith("ViewDefinition/"))) reload = true;
        Map<String, SqlTable> now = tables;
        Map<String, List<ViewTable>> viewsByType = new HashMap<>();
        for (SqlTable t : now.values()) {
            if (t instanceof ViewTable v) viewsByType.computeIfAbsent(v.resourceType(), k -> new ArrayList<>()).add(v);
        }
        Map<SqlTable, Map<String, List<Object[]>>> changes = new LinkedHashMap<>();
        Map<String, List<String>> keysByType = keys.stream().collect(Collectors.groupingBy(k -> k.substring(0, k.indexOf('/'))));
        for (Map.Entry<String, List<String>> e : keysByType.entrySet()) {
            List<ViewTable> views = viewsByType.get(e.getKey());
            if (views == null) continue;
            for (int from = 0; from < e.getValue().size(); from += 1000) {
                List<String> batch = e.getValue().subList(from, Math.min(e.getValue().size(), from + 1000));
                Map<String, String> json = new HashMap<>();
                for (String k : batch) json.put(k, null);
                graph.list(SERVICE, "sql/resources", Map.of("keys", batch), r -> r)
                        .forEach(r -> json.put(r.get("key").asString(), r.get("json").asString()));
                List<String[]> records = json.entrySet().stream().map(x -> new String[] {x.getKey(), x.getValue()}).toList();
                for (Rows r : rows(records, views)) {
                    for (int v = 0; v < views.size(); v++) {
                        List<Object[]> rows = r.perView()[v] == null ? List.of() : List.of(r.perView()[v]);
                        changes.computeIfAbsent(views.get(v), t -> new LinkedHashMap<>()).put(r.id(), rows);
                    }
                }
            }
        }
        SqlTable chain = now.get(ChainTable.NAME);
        Set<String> chainKeys = new HashSet<>(patients);
        keys.stream().filter(k -> k.startsWith("Patient/")).forEach(chainKeys::add);
        if (chain != null && !chainKeys.isEmpty()) {
            List<String> list = List.copyOf(chainKeys);
            Map<String, List<Object[]>> rows = new LinkedHashMap<>();
            for (String k : list) rows.put(k.substring(k.indexOf('/') + 1), List.of());
            rows.putAll(chainRows(list));
            changes.put(chain, rows);
        }
        if (!changes.isEmpty()) write(changes);
        if (since != 0) freshness.record(System.nanoTime() - since, TimeUnit.NANOSECONDS);
    }

    private static Set<String> drain(Set<String> pending) {
        Set<String> out = new HashSet<>();
        for (String k : pending) {
            if (pending.remove(k)) out.add(k);
        }
        return out;
    }

    /** Replaces, per table, the rows of each source key: staged first, then deleted and inserted in one transaction. */
    private void write(Map<SqlTable, Map<String, List<Object[]>>> changes) throws SQLException {
        Map<String, String[]> catalog = catalog();
        Map<String, String> physical = new LinkedHashMap<>();
        for (Map.Entry<SqlTable, Map<String, List<Object[]>>> e : changes.entrySet()) {
            String[] c = catalog.get(e.getKey().name());
            if (c == null) continue;
            physical.put(e.getKey().name(), c[0]);
            try (DuckDBAppender a = db.createAppender("cg", c[0] + "_stage")) {
                for (Map.Entry<String, List<Object[]>> rows : e.getValue().entrySet()) {
                    for (Object[] row : rows.getValue()) appendRow(a, rows.getKey(), row);
                }
            }
        }
        transaction(s -> {
            for (Map.Entry<SqlTable, Map<String, List<Object[]>>> e : changes.entrySet()) {
                String table = physical.get(e.getKey().name());
                if (table == null) continue;
                String t = "cg." + SqlColumn.quote(table);
                String stage = "cg." + SqlColumn.quote(table + "_stage");
                try (PreparedStatement p = db.prepareStatement("DELETE FROM " + t + " WHERE " + KEY_COLUMN
                        + " IN (SELECT unnest(?::VARCHAR[]))")) {
                    p.setObject(1, db.createArrayOf("VARCHAR", e.getValue().keySet().toArray()));
                    p.executeUpdate();
                }
                s.execute("INSERT INTO " + t + " SELECT * FROM " + stage);
                s.execute("DELETE FROM " + stage);
            }
        });
    }

    /**
     * Stops the worker once it has applied what it was told of (a table build in progress is abandoned: the next
     * start builds it again), and records a clean stop when nothing is left behind.
     */
    @Override
    public void destroy() throws InterruptedException {
        stopping = true;
        wake();
        worker.join(TimeUnit.SECONDS.toMillis(20));
        if (worker.isAlive()) {
            worker.interrupt();
            worker.join(TimeUnit.SECONDS.toMillis(10));
        }
        parsers.shutdownNow();
        DuckDBConnection open = db;
        if (open == null) return;
        try {
            // clean: every change this process committed is in the tables, so the next start need not rebuild
            if (!worker.isAlive() && pendingKeys.isEmpty() && pendingPatients.isEmpty() && !busy) {
                try (Statement s = open.createStatement()) {
                    s.execute("INSERT OR REPLACE INTO cg.state VALUES ('clean', 'true')");
                }
            }
            open.close();
        } catch (SQLException e) {
            log.warn("SQL store: close failed: {}", e.getMessage());
        }
        state = State.CLOSED;
    }
}
