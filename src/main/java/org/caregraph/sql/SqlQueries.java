package org.caregraph.sql;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Struct;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.caregraph.security.AccessContext;
import org.caregraph.security.CareGraphScope;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Runs analysts' SELECTs on the SQL store: each is checked by {@link SqlGuard}, run on a connection of its own with
 * positional parameters, given up at its timeout ({@link #executed}), and read as rows or written
 * out as JSON, NDJSON, CSV or Parquet (by DuckDB's own writer, into the store's spool directory, then streamed).
 */
@Component
public class SqlQueries implements DisposableBean {
    /** The output formats of /sql and the SQL on FHIR operations. */
    public enum Format {
        JSON("application/json"), NDJSON("application/x-ndjson"), CSV("text/csv"), PARQUET("application/vnd.apache.parquet");

        private final String mediaType;

        Format(String mediaType) {
            this.mediaType = mediaType;
        }

        public String mediaType() {
            return mediaType;
        }

        /** {@code json}, {@code ndjson}, {@code csv}, {@code parquet}, or one of their media types. */
        public static Format of(String name) {
            String n = name.strip().toLowerCase(java.util.Locale.ROOT);
            for (Format f : values()) {
                if (f.name().equalsIgnoreCase(n) || f.mediaType.equals(n)) return f;
            }
            return switch (n) {
                case "application/ndjson", "application/fhir+ndjson" -> NDJSON;
                case "application/parquet", "application/x-parquet" -> PARQUET;
                default -> throw SqlException.badRequest("format '" + name + "' is not one of json, ndjson, csv, parquet");
            };
        }
    }

    /** A page of rows: column names and types (DuckDB's), the rows as JSON-ready values. */
    public record Rows(List<String> columns, List<String> types, List<List<Object>> rows, boolean truncated) {
    }

    private final SqlStore store;
    private final ApplicationEventPublisher events;
    private final int maxConcurrent;
    private final Semaphore slots;
    private final ExecutorService workers = Executors.newCachedThreadPool(Thread.ofPlatform().name("sql-query-", 0).daemon().factory());

    /**
     * @param maxConcurrent statements DuckDB runs at once; 0: the core count (each statement uses every core already),
     *                      but no more than one per 4 GB of the machine's memory (an unstoppable statement may hold 2-4
     *                      GB outside DuckDB's memory limit), and at least 2
     */
    public SqlQueries(SqlStore store, ApplicationEventPublisher events,
                      @Value("${caregraph.sql.max-concurrent:0}") int maxConcurrent) {
        this.store = store;
        this.events = events;
        long physical = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getTotalMemorySize();
        this.maxConcurrent = maxConcurrent > 0 ? maxConcurrent
                : (int) Math.max(2, Math.min(Runtime.getRuntime().availableProcessors(), physical >> 32));
        this.slots = new Semaphore(this.maxConcurrent);
    }

    /**
     * Who asks, and through what: the store's tables are whole-population data, read only with the SQL capability
     * ({@code system/caregraph.sql}); every statement is audited ({@link SqlQueried}) with its caller.
     */
    public record Caller(AccessContext access, String via) {
    }

    /** At most {@code limit} rows of {@code sql} (one more is read to tell whether there were more). */
    public Rows rows(Caller caller, String sql, Map<String, ?> parameters, int limit, Duration timeout) {
        return rows(caller, sql, parameters, Map.of(), limit, timeout);
    }

    /**
     * The same for a SQLQuery: {@code tables} maps the names its SQL uses (its depends-on labels) to the store's
     * tables, and it may read those only.
     */
    public Rows rows(Caller caller, String sql, Map<String, ?> parameters, Map<String, String> tables, int limit, Duration timeout) {
        return audited(caller, sql, parameters, r -> r.rows().size(), () -> run(sql, parameters, tables, timeout, rs -> {
            ResultSetMetaData md = rs.getMetaData();
            List<List<Object>> rows = new ArrayList<>();
            boolean truncated = false;
            while (rs.next()) {
                if (rows.size() == limit) {
                    truncated = true;
                    break;
                }
                List<Object> row = new ArrayList<>(md.getColumnCount());
                for (int i = 1; i <= md.getColumnCount(); i++) row.add(json(rs.getObject(i)));
                rows.add(row);
            }
            return new Rows(columns(md), types(md), rows, truncated);
        }));
    }

    /**
     * Writes at most {@code limit} rows of {@code sql} to {@code out} in {@code format}: JSON as an array of objects,
     * NDJSON one object a line, CSV with a header line when {@code header}, Parquet with the columns' own types.
     *
     * @return the number of rows written
     */
    public long write(Caller caller, String sql, Map<String, ?> parameters, Map<String, String> tables, long limit,
                      Duration timeout, Format format, boolean header, OutputStream out) {
        return audited(caller, sql, parameters, n -> n, () -> format == Format.PARQUET
                ? parquet(sql, parameters, tables, limit, timeout, out)
                : run(sql, parameters, tables, timeout, rs -> RowWriters.write(RowWriters.of(rs), limit, format, header, out)));
    }

    /** Runs {@code work} for {@code caller} if it holds the SQL capability, and publishes the audit event either way. */
    private <T> T audited(Caller caller, String sql, Map<String, ?> parameters, java.util.function.ToLongFunction<T> rows,
                          java.util.function.Supplier<T> work) {
        String outcome = "ok";
        long count = 0;
        try {
            if (!caller.access().has(CareGraphScope.SQL)) {
                throw SqlException.rejected("SQL over the store needs the scope " + CareGraphScope.SQL.scope);
            }
            T result = work.get();
            count = rows.applyAsLong(result);
            return result;
        } catch (SqlException e) {
            outcome = e.code();
            throw e;
        } catch (RuntimeException e) {
            outcome = e.getClass().getSimpleName();
            throw e;
        } finally {
            events.publishEvent(new SqlQueried(Instant.now(), caller.access(), caller.via(), sql,
                    java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parameters)), outcome, count));
        }
    }

    interface Reader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private <T> T run(String sql, Map<String, ?> parameters, Map<String, String> tables, Duration timeout, Reader<T> reader) {
        SqlParameters bound = SqlParameters.bind(sql, parameters);
        String text = labelled(bound.sql(), tables);
        try (Held<ResultSet> held = executed(timeout, (c, running) -> {
            SqlGuard.check(c, text, readable(tables), store.building());
            PreparedStatement p = running.prepared(c.prepareStatement(text));
            bind(p, bound.values());
            return p.executeQuery();
        })) {
            // the result is complete in DuckDB (not streamed): reading it converts, it does not compute
            return reader.read(held.value());
        } catch (SQLException e) {
            throw failed(e);
        } catch (OutOfMemoryError e) {
            // one value too large for the heap (DuckDB reports the same as "Java heap space"): the query's fault
            throw tooLarge();
        }
    }

    /** Parquet by DuckDB's COPY: the checked SELECT, limited, written to a spool file that is then streamed and deleted. */
    private long parquet(String sql, Map<String, ?> parameters, Map<String, String> tables, long limit, Duration timeout,
                         OutputStream out) {
        SqlParameters bound = SqlParameters.bind(sql, parameters);
        String text = labelled(bound.sql(), tables);
        Path file = store.spool().resolve(UUID.randomUUID() + ".parquet");
        try (Held<Long> rows = executed(timeout, (c, running) -> {
            SqlGuard.check(c, text, readable(tables), store.building());
            // the text is one SELECT (checked); a line break ends a trailing comment before the parenthesis closes
            String limited = "SELECT * FROM (\n" + stripSemicolon(text) + "\n) AS q LIMIT " + limit;
            SqlGuard.check(c, limited, readable(tables), store.building());
            try (PreparedStatement p = running.prepared(c.prepareStatement("COPY (" + limited + ") TO '" + file + "' (FORMAT parquet)"))) {
                bind(p, bound.values());
                p.execute();
                return (long) p.getUpdateCount();
            }
        })) {
            Files.copy(file, out);
            return rows.value();
        } catch (SQLException e) {
            throw failed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // the spool is emptied at the next start (an abandoned COPY may still be writing it)
            }
        }
    }

    /** What a query may read: the store's tables, or only the tables a SQLQuery's labels name. */
    private Set<String> readable(Map<String, String> tables) {
        return tables.isEmpty() ? store.queryable() : Set.copyOf(tables.values());
    }

    /**
     * A SQLQuery's SQL with its labels defined as the tables they name ({@code WITH "bp" AS (SELECT * FROM
     * main."observations") SELECT * FROM (sql)}); plain SQL as it is.
     */
    private static String labelled(String sql, Map<String, String> tables) {
        if (tables.isEmpty()) return sql;
        StringBuilder with = new StringBuilder("WITH ");
        tables.forEach((label, table) -> with.append(SqlColumn.quote(label)).append(" AS (SELECT * FROM main.")
                .append(SqlColumn.quote(table)).append("), "));
        with.setLength(with.length() - 2);
        return with + "\nSELECT * FROM (\n" + stripSemicolon(sql) + "\n) AS q";
    }

    private static String stripSemicolon(String sql) {
        String s = sql.strip();
        while (s.endsWith(";")) s = s.substring(0, s.length() - 1).strip();
        return s;
    }

    private static void bind(PreparedStatement p, List<Object> values) throws SQLException {
        for (int i = 0; i < values.size(); i++) {
            Object v = values.get(i);
            p.setObject(i + 1, v instanceof BigInteger b ? b.longValueExact() : v);
        }
    }

    /** Statements holding DuckDB now, abandoned ones included. */
    int running() {
        return maxConcurrent - slots.availablePermits();
    }

    /** What runs on a query worker: everything DuckDB computes (checking, planning, executing) for one statement. */
    interface Work<T> {
        T run(Connection c, Running running) throws SQLException;
    }

    /** A statement's value with the connection (and query slot) it holds until closed. */
    record Held<T>(Running running, T value) implements AutoCloseable {
        @Override
        public void close() {
            running.close(value);
        }
    }

    /**
     * One statement on a worker: its connection, its prepared statement once there is one, and whether the caller gave
     * up on it. Planning cannot be interrupted (DuckDB folds constant expressions, e.g. a {@code repeat} of two billion
     * characters, while it prepares, and {@code cancel()} blocks until that ends), so the caller does not wait for it.
     */
    final class Running {
        private Connection connection;
        private PreparedStatement statement;
        private boolean abandoned;
        private boolean closed;

        synchronized PreparedStatement prepared(PreparedStatement p) throws SQLException {
            statement = p;
            if (abandoned) throw new SQLException("abandoned at its timeout");
            return p;
        }

        synchronized void connected(Connection c) {
            connection = c;
        }

        /** The caller's deadline passed: stop what can be stopped, and let whatever cannot release its slot when done. */
        void abandon() {
            PreparedStatement p;
            synchronized (this) {
                abandoned = true;
                p = statement;
            }
            if (p == null) return;
            // cancel() waits for the planner to let go of the connection: never on the caller's thread
            Thread.ofPlatform().daemon().name("sql-cancel").start(() -> {
                try {
                    p.cancel();
                } catch (SQLException | RuntimeException e) {
                    // finished or closed meanwhile
                }
            });
        }

        synchronized boolean abandoned() {
            return abandoned;
        }

        /** Closes what the statement holds (once) and frees its slot. */
        void close(Object value) {
            synchronized (this) {
                if (closed) return;
                closed = true;
            }
            try {
                if (value instanceof AutoCloseable a) a.close();
                if (statement != null) statement.close();
                if (connection != null) connection.close();
            } catch (Exception e) {
                // nothing more to free
            } finally {
                slots.release();
            }
        }
    }

    /**
     * Runs {@code work} on a query worker of its own connection, waiting at most {@code timeout} for it (for a free
     * slot first, then for the work): past that the caller is answered 504 at once, the statement is cancelled, and
     * work DuckDB cannot interrupt frees its slot when it ends. At most {@code caregraph.sql.max-concurrent}
     * statements hold DuckDB at once, abandoned ones included, so hostile queries cannot pile up: 503 BUSY beyond.
     */
    private <T> Held<T> executed(Duration timeout, Work<T> work) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!slots.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new SqlException(HttpStatus.SERVICE_UNAVAILABLE, "BUSY", "every SQL slot (" + maxConcurrent
                        + ") stayed busy for the query's timeout (" + timeout.toSeconds() + " s); try again later");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SqlException.unavailable("interrupted while waiting for a SQL slot");
        }
        Running running = new Running();
        CompletableFuture<T> done;
        try {
            done = CompletableFuture.supplyAsync(() -> {
                try {
                    Connection c = store.connect();
                    running.connected(c);
                    return work.run(c, running);
                } catch (SQLException e) {
                    throw new CompletionException(e);
                }
            }, workers);
        } catch (RejectedExecutionException e) {
            slots.release();
            throw SqlException.unavailable("the SQL service is stopping");
        }
        try {
            return new Held<>(running, done.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            running.abandon();
            done.whenComplete((value, failure) -> running.close(value));
            throw timedOut(timeout);
        } catch (InterruptedException e) {
            running.abandon();
            done.whenComplete((value, failure) -> running.close(value));
            Thread.currentThread().interrupt();
            throw SqlException.unavailable("interrupted while waiting for the query");
        } catch (ExecutionException e) {
            running.close(null);
            Throwable cause = e.getCause() instanceof CompletionException ce && ce.getCause() != null ? ce.getCause() : e.getCause();
            if (running.abandoned()) throw timedOut(timeout);
            switch (cause) {
                case SQLException s -> throw s;
                case RuntimeException r -> throw r;
                case OutOfMemoryError o -> throw tooLarge();
                default -> throw new IllegalStateException(cause);
            }
        }
    }

    private static SqlException timedOut(Duration timeout) {
        return new SqlException(HttpStatus.GATEWAY_TIMEOUT, "TIMEOUT", "the query ran longer than its timeout ("
                + timeout.toSeconds() + " s) and was stopped");
    }

    private static SqlException tooLarge() {
        return new SqlException(HttpStatus.SERVICE_UNAVAILABLE, "OUT_OF_MEMORY",
                "a value of the answer is too large for the server's memory: select fewer or smaller values");
    }

    /** DuckDB's errors: the query's own fault (binding, types, conversions) is 400, the rest 500. */
    private static SqlException failed(SQLException e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        String kind = message.contains(":") ? message.substring(0, message.indexOf(':')).strip() : "";
        if (message.contains("Java heap space")) return tooLarge(); // the driver's conversion of one huge value
        return switch (kind) {
            case "Binder Error", "Catalog Error", "Parser Error", "Conversion Error", "Invalid Input Error",
                 "Out of Range Error", "Not implemented Error", "Constraint Error" ->
                    new SqlException(HttpStatus.BAD_REQUEST, "SQL_ERROR", message);
            case "Permission Error" -> SqlException.rejected(message);
            case "Out of Memory Error" -> new SqlException(HttpStatus.SERVICE_UNAVAILABLE, "OUT_OF_MEMORY", message);
            default -> new SqlException(HttpStatus.INTERNAL_SERVER_ERROR, "DATABASE_ERROR", message);
        };
    }

    static List<String> columns(ResultSetMetaData md) throws SQLException {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) out.add(md.getColumnLabel(i));
        return out;
    }

    private static List<String> types(ResultSetMetaData md) throws SQLException {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) out.add(md.getColumnTypeName(i));
        return out;
    }

    /** A JDBC value as JSON: numbers and booleans as such, times as ISO-8601, lists and structs recursively. */
    static Object json(Object v) throws SQLException {
        return switch (v) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Integer i -> i;
            case Long l -> l;
            case Short s -> s.intValue();
            case Byte b -> b.intValue();
            case Double d -> Double.isFinite(d) ? d : d.toString();
            case Float f -> Float.isFinite(f) ? f.doubleValue() : f.toString();
            case BigDecimal d -> d;
            case BigInteger b -> b;
            case java.sql.Timestamp t -> t.toLocalDateTime().toString();
            case java.sql.Date d -> d.toLocalDate().toString();
            case java.sql.Time t -> t.toLocalTime().toString();
            case TemporalAccessor t -> t.toString();
            case Array a -> {
                List<Object> out = new ArrayList<>();
                for (Object x : (Object[]) a.getArray()) out.add(json(x));
                yield out;
            }
            case Struct s -> {
                List<Object> out = new ArrayList<>();
                for (Object x : s.getAttributes()) out.add(json(x));
                yield out;
            }
            case Map<?, ?> m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : m.entrySet()) out.put(String.valueOf(e.getKey()), json(e.getValue()));
                yield out;
            }
            case byte[] b -> java.util.Base64.getEncoder().encodeToString(b);
            case UUID u -> u.toString();
            default -> v.toString();
        };
    }

    @Override
    public void destroy() {
        workers.shutdownNow();
    }
}
