package org.caregraph.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Value;
import org.neo4j.driver.Values;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Result;
import org.neo4j.graphdb.TransientFailureException;
import org.neo4j.graphdb.Transaction;

/**
 * The writer's transactions: in-process when the store is embedded, else through the driver. The statements are the
 * same Cypher either way; in-process they skip Bolt's encoding of every parameter row (a batch carries megabytes of
 * resource JSON) and its network round trips, which a profile of the import showed as a large share of the writer's
 * time. Parameters pass through the driver's value conversion in both cases, so the stored values are typed alike
 * (integers as 64-bit, as over Bolt).
 */
final class WriteTransactions {
    private static final int ATTEMPTS = 5;

    /** One write transaction's statements. */
    interface Tx {
        Rows run(String query, Value parameters);

        default Rows run(String query) {
            return run(query, Values.parameters());
        }
    }

    /** A statement's result rows, each a map value (row.get("column")); read whole, as the writer's results are small. */
    record Rows(List<Value> rows) {
        void consume() {
        }

        List<Value> list() {
            return rows;
        }

        Value single() {
            if (rows.size() != 1) throw new NoSuchElementException("expected one row, got " + rows.size());
            return rows.getFirst();
        }

        void forEachRemaining(Consumer<Value> each) {
            rows.forEach(each);
        }
    }

    private final Driver driver;
    private final GraphDatabaseService embedded;

    /** @param embedded the in-process database, or null when the store is a server reached through {@code driver} */
    WriteTransactions(Driver driver, GraphDatabaseService embedded) {
        this.driver = driver;
        this.embedded = embedded;
    }

    boolean inProcess() {
        return embedded != null;
    }

    /** Runs {@code work} in one write transaction, retried (whole) on a transient failure such as a deadlock. */
    <T> T execute(Function<Tx, T> work) {
        if (embedded == null) {
            try (var session = driver.session()) {
                return session.executeWrite(tx -> work.apply((query, parameters) -> new Rows(
                        tx.run(query, parameters).list(r -> Values.value(r.asMap(v -> v))))));
            }
        }
        for (int attempt = 1; ; attempt++) {
            try (Transaction tx = embedded.beginTx()) {
                T result = work.apply((query, parameters) -> rows(tx.execute(query, parameters.asMap())));
                tx.commit();
                return result;
            } catch (TransientFailureException e) {
                if (attempt == ATTEMPTS) throw e;
                try {
                    Thread.sleep(50L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static Rows rows(Result result) {
        List<Value> out = new ArrayList<>();
        try (result) {
            while (result.hasNext()) {
                Map<String, Object> row = result.next();
                out.add(Values.value(row));
            }
        }
        return new Rows(out);
    }
}
