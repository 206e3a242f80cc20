package org.caregraph.graph;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.driver.Record;
import org.neo4j.driver.Value;
import org.neo4j.driver.Values;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.TransientException;
import org.neo4j.driver.internal.InternalRecord;
import org.neo4j.driver.internal.util.QueryKeys;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Result;
import org.neo4j.graphdb.TransientFailureException;
import org.neo4j.graphdb.Transaction;
import org.neo4j.internal.kernel.api.connectioninfo.ClientConnectionInfo;
import org.neo4j.internal.kernel.api.security.SecurityContext;
import org.neo4j.internal.kernel.api.security.StaticAccessMode;
import org.neo4j.kernel.api.KernelTransaction;
import org.neo4j.kernel.api.exceptions.Status;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * {@link GraphReader}'s named queries when the store is embedded: the same Cypher in a read-only transaction of the
 * in-process database, each row handed on as the driver's {@link Record} (values converted as Bolt would carry them), so that what
 * follows (the access check of every row, the callers' mapping, the error handling) is the same whichever way the
 * store is reached. Through the driver, a query of this process's own store went out over loopback Bolt: every
 * parameter and row encoded, sent, decoded, on the driver's and the server's threads. The analysts' Cypher keeps the
 * driver (its rows may be nodes and paths, and its sessions are read-only by access mode).
 */
final class InProcessReads {
    private static final int ATTEMPTS = 5;
    /** read access only, as the driver's read sessions have: a statement that would write fails */
    private static final SecurityContext READ_ONLY = SecurityContext.authDisabled(StaticAccessMode.READ,
            ClientConnectionInfo.EMBEDDED_CONNECTION, GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
    private final Supplier<GraphDatabaseService> database;

    /** @param database the in-process database, asked for at each read (it may still be starting when the reader is made) */
    InProcessReads(Supplier<GraphDatabaseService> database) {
        this.database = database;
    }

    /**
     * Runs {@code cypher} in a transaction with {@code timeout} and hands its rows to {@code reader}; a transient failure
     * runs it again (as the driver's managed transactions do). Neo4j's own errors are thrown as the driver's, with
     * their status codes (a timeout is {@code Neo.ClientError.Transaction.TransactionTimedOut...}).
     */
    <T> T read(String cypher, Map<String, Object> params, Duration timeout, Function<Iterator<Record>, T> reader) {
        for (int attempt = 1; ; attempt++) {
            try (Transaction tx = ((GraphDatabaseAPI) database.get()).beginTransaction(KernelTransaction.Type.EXPLICIT,
                    READ_ONLY, ClientConnectionInfo.EMBEDDED_CONNECTION, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                T out = reader.apply(records(tx.execute(cypher, WriteTransactions.asBolt(params))));
                tx.commit();
                return out;
            } catch (TransientFailureException e) {
                if (attempt == ATTEMPTS) throw asDriverException(e);
                pause(attempt, e);
            } catch (RuntimeException e) {
                throw e instanceof Status.HasStatus ? asDriverException(e) : e;
            }
        }
    }

    private static Iterator<Record> records(Result result) {
        QueryKeys keys = new QueryKeys(result.columns());
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return result.hasNext();
            }

            @Override
            public Record next() {
                Map<String, Object> row = result.next();
                List<Value> values = new ArrayList<>(keys.keys().size());
                for (String key : keys.keys()) values.add(Values.value(row.get(key)));
                return new InternalRecord(keys, values);
            }
        };
    }

    private static RuntimeException asDriverException(RuntimeException e) {
        if (!(e instanceof Status.HasStatus has)) return new TransientException("Neo.TransientError.General.Unknown", e.getMessage());
        Status status = has.status();
        String code = status.code().serialize();
        return status.code().classification() == Status.Classification.TransientError
                ? new TransientException(code, e.getMessage()) : new ClientException(code, e.getMessage());
    }

    private static void pause(int attempt, RuntimeException e) {
        try {
            Thread.sleep(50L * attempt);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw asDriverException(e);
        }
    }
}
