package org.caregraph.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.caregraph.security.AccessContext;
import org.caregraph.sql.SqlException;
import org.caregraph.sql.SqlQueries;
import org.caregraph.sql.SqlStore;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "sql", mixinStandardHelpOptions = true,
        description = {"Run one SQL SELECT over the SQL store of a data directory, as POST /sql does (same checks, "
                + "tables, parameters, formats); the store is built or brought up to date first.",
                "Exit status: 0 done, 1 the query was refused or failed (the reason on stderr)."})
public class SqlCommand implements Callable<Integer> {
    @Mixin
    GraphOptions graph;

    @Parameters(index = "0", arity = "0..1", paramLabel = "QUERY", description = "The SELECT; omit it with --file or --tables.")
    String query;

    @Option(names = "--file", description = "Read the query from this file.")
    Path file;

    @Option(names = {"-p", "--param"}, description = "A :name parameter, name=value (a number stays a number).")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--format", defaultValue = "csv", description = "json, ndjson, csv (default) or parquet.")
    String format;

    @Option(names = "--limit", defaultValue = "1000000", description = "Rows at most.")
    long limit;

    @Option(names = "--timeout", defaultValue = "300", description = "Seconds before the query is stopped.")
    long timeout;

    @Option(names = {"-o", "--output"}, description = "Write to this file (else stdout).")
    Path output;

    @Option(names = "--rebuild", description = "Rebuild every table from the graph before the query.")
    boolean rebuild;

    @Option(names = "--tables", description = "List the tables and their columns instead of running a query.")
    boolean tables;

    @Override
    public Integer call() throws IOException, InterruptedException {
        String sql = file != null ? Files.readString(file) : query;
        if (!tables && (sql == null || sql.isBlank())) {
            System.err.println("caregraph sql: give a query, --file FILE or --tables");
            return 1;
        }
        SqlQueries.Format f = SqlQueries.Format.of(format);
        try (ConfigurableApplicationContext ctx = graph.startQuiet()) {
            SqlStore store = ctx.getBean(SqlStore.class);
            if (rebuild) store.rebuild();
            System.err.println("SQL store: bringing the tables up to date...");
            if (!store.awaitIdle(Duration.ofHours(1))) {
                System.err.println("caregraph sql: the SQL store is " + store.state() + (store.failure() == null ? "" : ": " + store.failure()));
                return 1;
            }
            if (tables) {
                store.tables().values().stream().sorted(java.util.Comparator.comparing(t -> t.name())).forEach(t ->
                        System.out.println(t.name() + " (" + t.source() + "): " + String.join(", ",
                                t.columns().stream().map(c -> c.name() + " " + c.sqlType()).toList())));
                return 0;
            }
            Map<String, Object> values = new LinkedHashMap<>();
            params.forEach((k, v) -> values.put(k, number(v)));
            try (OutputStream out = output == null ? new BufferedOutputStream(System.out) : Files.newOutputStream(output)) {
                SqlQueries.Caller caller = new SqlQueries.Caller(AccessContext.service("caregraph sql"), "caregraph sql");
                long n = ctx.getBean(SqlQueries.class).write(caller, sql, values, Map.of(), limit, Duration.ofSeconds(timeout), f, true, out);
                out.flush();
                System.err.printf("%,d rows%n", n);
            } catch (SqlException e) {
                System.err.println("caregraph sql: " + e.code() + ": " + e.getMessage());
                return 1;
            }
            return 0;
        }
    }

    private static Object number(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            try {
                return Double.parseDouble(v);
            } catch (NumberFormatException e2) {
                return v;
            }
        }
    }
}
