package org.caregraph.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
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
 * time. In-process parameters are typed as Bolt types them (integers as 64-bit), so the stored values are the same.
 */
final class WriteTransactions {
    private static final int ATTEMPTS = 5;

    /** One write transaction's statements. */
    interface Tx {
        Rows run(String query, Map<String, Object> parameters);

        default Rows run(String query) {
            return run(query, Map.of());
        }
    }

    /** Statement parameters from name, value pairs (values may be null, unlike Map.of). */
    static Map<String, Object> params(Object... pairs) {
        Map<String, Object> out = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) out.put((String) pairs[i], pairs[i + 1]);
        return out;
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
    private final Supplier<GraphDatabaseService> embedded;

    /**
     * @param embedded the in-process database (asked for at each transaction: it may still be starting when the writer
     *                 is made), or null when the store is a server reached through {@code driver}
     */
    WriteTransactions(Driver driver, Supplier<GraphDatabaseService> embedded) {
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
            try (Transaction tx = embedded.get().beginTx()) {
                T result = work.apply((query, parameters) -> rows(tx.execute(query, asBolt(parameters))));
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

    /**
     * Parameters typed as Bolt would carry them: integers as longs, floats as doubles, so that what is stored is the
     * same whichever way the writer reached the store.
     */
    @SuppressWarnings("unchecked")
    static <T> T asBolt(T value) {
        Object given = value;
        return (T) switch (given) {
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            case Float f -> (double) f;
            // a driver's duration or point (a restored backup's values) as the embedded store takes them
            case Value v when "DURATION".equals(v.type().name()) -> {
                var d = v.asIsoDuration();
                yield org.neo4j.values.storable.DurationValue.duration(d.months(), d.days(), d.seconds(), d.nanoseconds());
            }
            case Value v when "POINT".equals(v.type().name()) -> {
                var p = v.asPoint();
                var crs = org.neo4j.values.storable.CoordinateReferenceSystem.get(p.srid());
                yield Double.isNaN(p.z()) ? org.neo4j.values.storable.Values.pointValue(crs, p.x(), p.y())
                        : org.neo4j.values.storable.Values.pointValue(crs, p.x(), p.y(), p.z());
            }
            case Map<?, ?> m -> {
                Map<String, Object> out = new HashMap<>(m.size() * 2);
                m.forEach((k, v) -> out.put((String) k, asBolt(v)));
                yield out;
            }
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                for (Object v : l) out.add(asBolt(v));
                yield out;
            }
            case null, default -> given;
        };
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
