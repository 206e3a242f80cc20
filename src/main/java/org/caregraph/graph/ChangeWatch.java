package org.caregraph.graph;

import java.util.HashSet;
import java.util.Set;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Relationship;
import org.neo4j.graphdb.Transaction;
import org.neo4j.graphdb.event.LabelEntry;
import org.neo4j.graphdb.event.PropertyEntry;
import org.neo4j.graphdb.event.TransactionData;
import org.neo4j.graphdb.event.TransactionEventListener;

/**
 * The element ids of the nodes that transactions committed since the last {@link #drain} changed: created, deleted,
 * given or stripped of a property or label, or at either end of a relationship created, deleted or changed (so a node
 * whose outgoing relationships changed is among them). Neo4j Community has no snapshot reads and no online backup; an
 * embedded database does tell its transaction listeners what each commit changed, which lets a backup copy the graph
 * while writes go on and then read again, briefly under the writer lock, only the nodes changed meanwhile.
 * <p>
 * The listener runs in every committing transaction while the watch is open, and the set grows with what is written:
 * keep it open for one backup only.
 */
public final class ChangeWatch implements AutoCloseable {
    private final DatabaseManagementService dbms;
    private final String database;
    /** guarded by this: a drain must not return a set that a commit is still adding to */
    private Set<String> changed = new HashSet<>();
    private final Listener listener = new Listener();

    ChangeWatch(DatabaseManagementService dbms, String database) {
        this.dbms = dbms;
        this.database = database;
        dbms.registerTransactionEventListener(database, listener);
    }

    /** The nodes changed since the watch opened or the last drain; the watch goes on collecting into a new set. */
    public synchronized Set<String> drain() {
        Set<String> out = changed;
        changed = new HashSet<>();
        return out;
    }

    private synchronized void add(Set<String> ids) {
        changed.addAll(ids);
    }

    @Override
    public void close() {
        dbms.unregisterTransactionEventListener(database, listener);
    }

    /** Collects the ids before the commit (the transaction's state is readable then), publishes them once it committed. */
    private final class Listener implements TransactionEventListener<Set<String>> {
        @Override
        public Set<String> beforeCommit(TransactionData data, Transaction tx, GraphDatabaseService db) {
            Set<String> ids = new HashSet<>();
            for (Node n : data.createdNodes()) ids.add(n.getElementId());
            for (Node n : data.deletedNodes()) ids.add(n.getElementId());
            for (PropertyEntry<Node> p : data.assignedNodeProperties()) ids.add(p.entity().getElementId());
            for (PropertyEntry<Node> p : data.removedNodeProperties()) ids.add(p.entity().getElementId());
            for (LabelEntry l : data.assignedLabels()) ids.add(l.node().getElementId());
            for (LabelEntry l : data.removedLabels()) ids.add(l.node().getElementId());
            for (Relationship r : data.createdRelationships()) ends(r, ids);
            for (Relationship r : data.deletedRelationships()) ends(r, ids);
            for (PropertyEntry<Relationship> p : data.assignedRelationshipProperties()) ends(p.entity(), ids);
            for (PropertyEntry<Relationship> p : data.removedRelationshipProperties()) ends(p.entity(), ids);
            return ids;
        }

        private static void ends(Relationship r, Set<String> ids) {
            ids.add(r.getStartNode().getElementId());
            ids.add(r.getEndNode().getElementId());
        }

        @Override
        public void afterCommit(TransactionData data, Set<String> ids, GraphDatabaseService db) {
            if (ids != null && !ids.isEmpty()) add(ids);
        }

        @Override
        public void afterRollback(TransactionData data, Set<String> ids, GraphDatabaseService db) {
            // nothing was written
        }
    }
}
