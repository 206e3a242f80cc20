package org.caregraph.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Value;
import org.neo4j.driver.Values;
import org.caregraph.graph.WriteTransactions.Tx;
import static org.caregraph.graph.WriteTransactions.params;
import org.caregraph.security.AccessContext;
import org.caregraph.security.SmartScope.Action;
import org.caregraph.security.WriteRefusedException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

/**
 * The one writer: every write of FHIR content (bulk import, REST, NLP) goes through {@link #write}. A batch is one
 * transaction, so a crash leaves whole batches or nothing, and re-running an import converges to the same graph.
 * Writes are serialized: Neo4j would otherwise deadlock on the shared Concept and placeholder nodes. After each
 * commit it publishes a {@link GraphChanged} naming the resources the transaction touched.
 * <p>
 * Every write is the caller's: each method takes its {@link AccessContext}. For a confined caller (a token's scopes)
 * the writer checks, inside the write's own transaction, that each resource written or deleted is one the caller may
 * see (else it is "not known"), that the interaction is granted for its type, and that the new content stays within
 * the patients the caller reaches (nothing is moved into another patient's compartment). It keeps on each resource of
 * a Patient-compartment type the patients whose compartments hold it ({@code n.compartments}), which every read
 * filters by.
 */
@Component
public class GraphWriter {
    private final Driver driver;
    private final WriteTransactions transactions;
    private final ApplicationEventPublisher events;
    private final PatientCompartment compartment;
    // fair: a FHIR write waits for the batch being written, not for a whole bulk import (unfair, the importer would
    // take the lock back batch after batch while the request threads wake up)
    private final ReentrantLock lock = new ReentrantLock(true);
    // counts committed write transactions, so that in-memory read caches know when they are stale
    private final AtomicLong generation = new AtomicLong();
    /** The keys the transaction in progress wrote or deleted (only the lock holder touches it). */
    private Set<String> touched = new HashSet<>();

    public GraphWriter(Driver driver, ObjectProvider<EmbeddedNeo4j> embedded, PatientCompartment compartment,
                       ApplicationEventPublisher events) {
        EmbeddedNeo4j store = embedded.getIfAvailable();
        this.driver = driver;
        this.transactions = new WriteTransactions(driver, store == null ? null : store::database);
        this.compartment = compartment;
        this.events = events;
    }

    /** What a batch changed: keys whose content was new or different. */
    public record WriteResult(Set<String> changed) {
    }

    public WriteResult write(AccessContext access, List<ResourceRecord> batch) {
        if (batch.isEmpty()) return new WriteResult(Set.of());
        return inWriteTransaction(access, tx -> {
            checkWrites(tx, access, batch, List.of());
            return writeIn(tx, batch);
        });
    }

    /** A conditional write found another current version than the one the client based its change on. */
    public static final class VersionConflictException extends RuntimeException {
        public VersionConflictException(String key, long expected, Long current) {
            super(key + " is at version " + (current == null ? "none" : current) + ", not " + expected);
        }
    }

    /**
     * Writes {@code record} only if the stored resource is at version {@code expected} (FHIR's If-Match). The check
     * runs in the write's own transaction under the writer lock, so no other write can slip in between.
     *
     * @throws VersionConflictException when it is not, and nothing is written
     */
    public WriteResult writeIfVersion(AccessContext access, ResourceRecord record, long expected) {
        return inWriteTransaction(access, tx -> {
            checkWrites(tx, access, List.of(record), List.of());
            checkVersion(tx, record.key(), expected);
            return writeIn(tx, List.of(record));
        });
    }

    private static void checkVersion(Tx tx, String key, long expected) {
        List<Value> rows = tx.run(Cypher.query("resource-version"), params("key", key)).list();
        Long current = rows.isEmpty() ? null : rows.getFirst().get("versionId").asLong();
        if (current == null || current != expected) throw new VersionConflictException(key, expected, current);
    }

    /**
     * One change of a FHIR transaction: store {@code record}, or delete {@code deleteKey}; {@code expectedVersion} (FHIR
     * If-Match) or null.
     */
    public record Op(ResourceRecord record, String deleteKey, Long expectedVersion) {
        public static Op write(ResourceRecord record, Long expectedVersion) {
            return new Op(record, null, expectedVersion);
        }

        public static Op delete(String key, Long expectedVersion) {
            return new Op(null, key, expectedVersion);
        }

        public String key() {
            return record != null ? record.key() : deleteKey;
        }
    }

    /** The version a resource is at after a transaction ({@code deleted}: a tombstone). */
    public record Stored(long versionId, String lastUpdated, boolean deleted) {
    }

    /**
     * A FHIR transaction, all or nothing: every version check, then the deletes, then the writes (one {@link #writeIn}
     * batch), in ONE database transaction; any failure (a {@link VersionConflictException} among them) rolls all of it
     * back. The caller relinks journeys ({@link #linkJourneys}).
     *
     * @return the version each op's key is at after the commit (resource-versions.cypher); a key that never existed
     *         (a delete of nothing) is absent
     */
    public Map<String, Stored> transaction(AccessContext access, List<Op> ops) {
        return inWriteTransaction(access, tx -> {
            Set<String> hidden = checkWrites(tx, access, ops.stream().map(Op::record).filter(r -> r != null).toList(),
                    ops.stream().map(Op::deleteKey).filter(k -> k != null).toList());
            for (Op op : ops) if (op.expectedVersion() != null) checkVersion(tx, op.key(), op.expectedVersion());
            for (Op op : ops) {
                if (op.deleteKey() != null && !hidden.contains(op.deleteKey())) {
                    tx.run(Cypher.query("delete-resource"), params("key", op.deleteKey())).consume();
                    touched.add(op.deleteKey());
                }
            }
            List<ResourceRecord> records = ops.stream().map(Op::record).filter(r -> r != null).toList();
            if (!records.isEmpty()) writeIn(tx, records);
            Map<String, Stored> out = new HashMap<>();
            tx.run(Cypher.query("resource-versions"), params("keys", ops.stream().map(Op::key).distinct().toList()))
                    .forEachRemaining(r -> out.put(r.get("key").asString(), new Stored(r.get("versionId").asLong(),
                            r.get("lastUpdated").asString(), r.get("deleted").asBoolean())));
            return out;
        });
    }

    /**
     * FHIR delete (delete-resource.cypher): the resource becomes a tombstone version, its prior content stays in its
     * history. The caller relinks journeys ({@link #linkJourneys}).
     *
     * @return the tombstone's version; empty when there was nothing to delete (unknown, placeholder, already deleted)
     */
    public Optional<Long> delete(AccessContext access, String key) {
        return inWriteTransaction(access, tx -> {
            // a resource the caller may not see is, to it, one that does not exist: nothing to delete
            if (!checkWrites(tx, access, List.of(), List.of(key)).isEmpty()) return Optional.<Long>empty();
            Optional<Long> version = tx.run(Cypher.query("delete-resource"), params("key", key)).list()
                    .stream().findFirst().map(r -> r.get("versionId").asLong());
            // a deleted note no longer mentions anything: what NLP derived from it goes with it
            if (version.isPresent()) {
                touched.add(key);
                writeAnalyses(tx, List.of(analysisRow(key, null, List.of(), List.of())));
            }
            return version;
        });
    }

    /** What a terminology batch changed: concepts created, updated, unchanged; IS_A edges created, already there, skipped. */
    public record ConceptWriteResult(long created, long updated, long unchanged, long edgesCreated, long edgesExisting,
                                     long edgesMissing) {
    }

    /**
     * Terminology loaders: merges concept rows (terminology-concepts.cypher) and then IS_A edges between Concept nodes
     * (terminology-is-a.cypher) in one transaction. Idempotent: writing the same rows again changes nothing.
     */
    public ConceptWriteResult writeConcepts(AccessContext access, List<Map<String, Object>> concepts,
                                            List<Map<String, Object>> isA) {
        requireUnrestricted(access, "terminology loads");
        if (concepts.isEmpty() && isA.isEmpty()) return new ConceptWriteResult(0, 0, 0, 0, 0, 0);
        return inWriteTransaction(access, tx -> {
            Value c = concepts.isEmpty() ? null
                    : tx.run(Cypher.query("terminology-concepts"), params("rows", concepts)).single();
            Value e = isA.isEmpty() ? null
                    : tx.run(Cypher.query("terminology-is-a"), params("edges", isA)).single();
            return new ConceptWriteResult(count(c, "created"), count(c, "updated"), count(c, "unchanged"),
                    count(e, "created"), count(e, "existing"), count(e, "missing"));
        });
    }

    private static long count(Value row, String column) {
        return row == null ? 0 : row.get(column).asLong();
    }

    /**
     * The shared Concepts of codings about to be written, as write-codes writes them with their resources (first
     * display kept, other displays as synonyms), without the resources: an import writes its set-aside notes' own
     * concepts first, so that the notes are analyzed with the lexicon their writes will leave.
     */
    public void writeCodes(AccessContext access, List<ResourceRecord.Code> codes) {
        requireUnrestricted(access, "concept writes");
        if (codes.isEmpty()) return;
        List<Map<String, Object>> concepts = new ArrayList<>(codes.size());
        for (ResourceRecord.Code c : codes) concepts.add(conceptRow(c));
        inWriteTransaction(access, tx -> tx.run(Cypher.query("write-codes"),
                params("concepts", concepts, "rows", List.of())).list());
    }

    private static Map<String, Object> conceptRow(ResourceRecord.Code c) {
        Map<String, Object> m = new HashMap<>();
        m.put("key", c.key());
        m.put("system", c.system());
        m.put("code", c.code());
        m.put("display", c.display());
        return m;
    }

    /**
     * Runs {@code work} holding the writer lock, so that no other write of this process comes between what it reads and
     * what it writes (its writes take the same, reentrant, lock): a conditional interaction's match and its create.
     * Several CareGraph instances writing to one Neo4j would need a guard in the database instead.
     */
    public <T> T exclusively(java.util.function.Supplier<T> work) {
        lock.lock();
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }

    private <T> T inWriteTransaction(AccessContext access, java.util.function.Function<Tx, T> work) {
        java.util.Objects.requireNonNull(access, "no access context: the graph is not written for nobody");
        Set<String> changed;
        T result;
        lock.lock();
        try {
            // a retried transaction adds to the same set: a superset of what committed is harmless to its readers
            touched = new HashSet<>();
            result = transactions.execute(work);
            generation.incrementAndGet();
            changed = touched;
        } finally {
            touched = new HashSet<>();
            lock.unlock();
        }
        if (!changed.isEmpty()) events.publishEvent(new GraphChanged(Set.copyOf(changed), Set.of()));
        return result;
    }

    /**
     * Derives again what the graph keeps beside each resource (facts, search values, references, codes, identifiers)
     * from its stored content, without a new version: for data an older CareGraph stored (rewrite-resources.cypher).
     *
     * @param batch records of stored resources, mapped without enrichment
     * @return the keys re-derived (current resources only)
     */
    public WriteResult reindex(AccessContext access, List<ResourceRecord> batch) {
        requireUnrestricted(access, "reindex");
        if (batch.isEmpty()) return new WriteResult(Set.of());
        return inWriteTransaction(access, tx -> writeIn(tx, batch, "rewrite-resources", true));
    }

    /**
     * Notes analyzed again (NLP re-run): those whose analysis changed are rewritten in place with their new mentions and
     * derived resources, without a new version of the note (its client content is unchanged); the others are marked
     * with the analyzer version.
     */
    public WriteResult reanalyze(AccessContext access, List<ResourceRecord> notes) {
        if (notes.isEmpty()) return new WriteResult(Set.of());
        return inWriteTransaction(access, tx -> {
            checkWrites(tx, access, notes, List.of());
            return writeIn(tx, notes, "rewrite-resources", false);
        });
    }

    /**
     * The authorization server's own records (registered clients, local users, refresh grants: the named queries in
     * {@code cypher/security/}), which are not resources: only the server's own work writes them, outside the writer
     * lock (they share nothing with resource writes) and without moving the generation (no read cache depends on them).
     *
     * @return the query's rows
     */
    public List<Map<String, Object>> writeAuthorization(AccessContext access, String name, Map<String, ?> parameters) {
        java.util.Objects.requireNonNull(access, "no access context: the graph is not written for nobody");
        if (access.kind() != AccessContext.Kind.SERVICE) {
            throw WriteRefusedException.forbidden(null, "clients, users and grants are the server's own work");
        }
        if (!name.startsWith("security/")) throw new IllegalArgumentException("not an authorization record query: " + name);
        try (var session = driver.session()) {
            return session.executeWrite(tx -> tx.run(Cypher.query(name), Values.value(parameters)).list(Record::asMap));
        }
    }

    /** Removes the NLP text concepts no mention points to any more (nlp-prune-concepts.cypher). */
    public long pruneTextConcepts(AccessContext access) {
        return inWriteTransaction(access, tx -> tx.run(Cypher.query("nlp-prune-concepts")).single().get("pruned").asLong());
    }

    private WriteResult writeIn(Tx tx, List<ResourceRecord> given) {
        return writeIn(tx, given, "write-resources", false);
    }

    /**
     * The write path; {@code head}: its first step (write-resources, or rewrite-resources for content rewritten in
     * place), ended by write-node. Resources derived from notes are ordinary writes (write-resources) in the same
     * transaction.
     */
    private WriteResult writeIn(Tx tx, List<ResourceRecord> given, String head, boolean force) {
        Set<String> changed = writeNodes(tx, given, head, force);
        List<ResourceRecord> derived = derived(given);
        if (!derived.isEmpty()) changed.addAll(writeNodes(tx, derived, "write-resources", false));
        markAnalyzed(tx, given, changed);
        if (changed.isEmpty()) return new WriteResult(changed);
        List<ResourceRecord> batch = new ArrayList<>(given);
        batch.addAll(derived);

        // only what is new or changed gets its relationships rebuilt; the last row of a key wins
        Map<String, ResourceRecord> latest = new LinkedHashMap<>();
        for (ResourceRecord r : batch) if (changed.contains(r.key())) latest.put(r.key(), r);
        Map<String, String> resolved = resolveConditional(tx, latest.values());

        List<Map<String, Object>> refRows = new ArrayList<>();
        List<Map<String, Object>> open = new ArrayList<>();
        List<Map<String, Object>> codeRows = new ArrayList<>();
        Map<String, Map<String, Object>> concepts = new LinkedHashMap<>();
        List<Map<String, Object>> identRows = new ArrayList<>();
        Set<String> journeys = new LinkedHashSet<>();
        for (ResourceRecord r : latest.values()) {
            List<Map<String, Object>> refs = new ArrayList<>(r.refs().size());
            for (ResourceRecord.Ref ref : r.refs()) {
                Map<String, Object> x = resolve(ref, resolved);
                refs.add(x);
                if (x.get("ident") != null) open.add(Map.of("key", x.get("key"), "ident", x.get("ident")));
            }
            Map<String, Object> refRow = new HashMap<>();
            refRow.put("key", r.key());
            refRow.put("refs", refs);
            refRow.put("compartments", compartments(r, resolved));
            refRows.add(refRow);
            if (!r.codes().isEmpty()) {
                List<Map<String, Object>> codes = new ArrayList<>(r.codes().size());
                for (ResourceRecord.Code c : r.codes()) {
                    codes.add(Map.of("key", c.key(), "path", c.path()));
                    Map<String, Object> concept = concepts.computeIfAbsent(c.key(), k -> {
                        Map<String, Object> m = new HashMap<>();
                        m.put("key", k);
                        m.put("system", c.system());
                        m.put("code", c.code());
                        return m;
                    });
                    if (concept.get("display") == null && c.display() != null) concept.put("display", c.display());
                }
                codeRows.add(Map.of("key", r.key(), "codes", codes));
            }
            if (!r.identifiers().isEmpty()) identRows.add(Map.of("key", r.key(), "identifiers", r.identifiers()));
            if ("Patient".equals(r.type())) journeys.add(r.key());
            else if ("Encounter".equals(r.type()) && r.patient() != null) journeys.add(r.patient());
        }
        if (!refRows.isEmpty()) tx.run(Cypher.query("write-references"), params("rows", refRows)).consume();
        if (!open.isEmpty()) tx.run(Cypher.query("write-open-references"), params("refs", open)).consume();
        if (!codeRows.isEmpty()) {
            tx.run(Cypher.query("write-codes"), params("concepts", List.copyOf(concepts.values()), "rows", codeRows)).consume();
        }
        if (!identRows.isEmpty() || !journeys.isEmpty()) {
            tx.run(Cypher.query("write-identifiers"), params("rows", identRows, "journeys", List.copyOf(journeys))).consume();
        }
        if (!identRows.isEmpty()) {
            List<String> keys = identRows.stream().map(m -> (String) m.get("key")).toList();
            tx.run(Cypher.query("adopt-placeholders"), params("keys", keys)).consume();
        }
        writeMentions(tx, latest.values());
        if (batch.size() > given.size()) changed.retainAll(given.stream().map(ResourceRecord::key).collect(Collectors.toSet()));
        return new WriteResult(changed);
    }

    /**
     * Notes analyzed again with the same findings are not rewritten (same content), but they are now analyzed with
     * this analyzer version (nlp-version.cypher), so that a rerun does not pick them again.
     */
    private static void markAnalyzed(Tx tx, List<ResourceRecord> batch, Set<String> changed) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ResourceRecord r : batch) {
            if (r.nlp() != null && r.nlp().version() != null && !changed.contains(r.key())) {
                rows.add(Map.of("key", r.key(), "version", r.nlp().version()));
            }
        }
        if (!rows.isEmpty()) tx.run(Cypher.query("nlp-version"), params("rows", rows)).consume();
    }

    /** Step 1: the nodes of {@code records} (head + write-node); returns the keys written. */
    private Set<String> writeNodes(Tx tx, List<ResourceRecord> records, String head, boolean force) {
        List<Map<String, Object>> nodes = new ArrayList<>(records.size());
        for (ResourceRecord r : records) nodes.add(r.nodeParameters());
        Set<String> written = new HashSet<>();
        tx.run(Cypher.query(head + "+write-node"), params("rows", nodes, "force", force))
                .forEachRemaining(rec -> written.add(rec.get("key").asString()));
        touched.addAll(written);
        return written;
    }

    /** The resources derived from the batch's notes: they are written, and go, with their note. */
    private static List<ResourceRecord> derived(List<ResourceRecord> batch) {
        List<ResourceRecord> all = new ArrayList<>();
        for (ResourceRecord r : batch) if (r.nlp() != null) all.addAll(r.nlp().derived());
        return all;
    }

    /**
     * Write path step 5, for new or changed notes that were analyzed: their mentions, analyzer version and derived
     * resources (write-mentions.cypher); derived resources the new analysis no longer yields are deleted like a FHIR
     * delete (delete-resource.cypher), in the same transaction. The old mentions went in step 1 with the old content.
     */
    private void writeMentions(Tx tx, Iterable<ResourceRecord> changed) {
        Map<String, Map<String, Object>> concepts = new LinkedHashMap<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (ResourceRecord r : changed) {
            if (r.nlp() == null) continue;
            for (ResourceRecord.Code c : r.nlp().concepts()) concepts.putIfAbsent(c.key(), conceptRow(c));
            rows.add(analysisRow(r.key(), r.nlp().version(), r.nlp().mentions(),
                    r.nlp().derived().stream().map(ResourceRecord::key).toList()));
        }
        if (rows.isEmpty()) return;
        if (!concepts.isEmpty()) {
            tx.run(Cypher.query("write-codes"), params("concepts", List.copyOf(concepts.values()), "rows", List.of())).consume();
        }
        writeAnalyses(tx, rows);
    }

    private static Map<String, Object> analysisRow(String key, String version, List<Map<String, Object>> mentions,
                                                   List<String> derived) {
        Map<String, Object> row = new HashMap<>();
        row.put("key", key);
        row.put("version", version);
        row.put("mentions", mentions);
        row.put("derived", derived);
        return row;
    }

    private void writeAnalyses(Tx tx, List<Map<String, Object>> rows) {
        List<String> stale = new ArrayList<>();
        tx.run(Cypher.query("write-mentions"), params("rows", rows))
                .forEachRemaining(rec -> stale.addAll(rec.get("stale").asList(v -> v.asString())));
        for (String key : stale) tx.run(Cypher.query("delete-resource"), params("key", key)).consume();
        touched.addAll(stale);
    }

    /** Conditional references resolved against identifiers already stored (a real resource wins over a placeholder). */
    private static Map<String, String> resolveConditional(Tx tx, Iterable<ResourceRecord> batch) {
        Set<String> idents = new HashSet<>();
        for (ResourceRecord r : batch) {
            for (ResourceRecord.Ref ref : r.refs()) if (ref.ident() != null) idents.add(ref.ident());
        }
        if (idents.isEmpty()) return Map.of();
        Map<String, String> out = new HashMap<>();
        for (Value rec : tx.run(Cypher.query("resolve-identifiers"), params("idents", List.copyOf(idents))).list()) {
            out.put(rec.get("ident").asString(), rec.get("key").asString());
        }
        return out;
    }

    /** A reference as written: a conditional one points at the resource found by identifier, when there is one. */
    private static Map<String, Object> resolve(ResourceRecord.Ref ref, Map<String, String> resolved) {
        String target = ref.ident() == null ? null : resolved.get(ref.ident());
        // a placeholder found by identifier is itself unresolved: keep the identifier so adoption still works
        boolean open = ref.ident() != null && (target == null || target.contains("?"));
        Map<String, Object> x = new HashMap<>();
        x.put("rel", ref.rel());
        x.put("path", ref.path());
        x.put("key", target != null ? target : ref.key());
        x.put("type", ref.type());
        x.put("id", target != null && !open ? target.substring(target.indexOf('/') + 1) : ref.id());
        x.put("ident", open ? ref.ident() : null);
        return x;
    }

    /**
     * The patients whose compartments hold {@code r} (null for a type without a Patient compartment): the Patient
     * targets of its compartment references (R4's compartment definition, {@link PatientCompartment}), conditional ones
     * as resolved, and a Patient itself.
     */
    List<String> compartments(ResourceRecord r, Map<String, String> resolved) {
        if (!compartment.types().contains(r.type())) return null;
        Set<String> out = new LinkedHashSet<>();
        if ("Patient".equals(r.type())) out.add(r.key());
        for (ResourceRecord.Ref ref : r.refs()) {
            if ("Patient".equals(ref.type()) && compartment.pathSet().contains(ref.path())) {
                out.add((String) resolve(ref, resolved).get("key"));
            }
        }
        return List.copyOf(out);
    }

    /**
     * A confined caller's writes, checked in the write's transaction before anything is written: every resource
     * written that is stored (current or deleted) must be one the caller may see, else it is "not known"; the
     * interaction (create, update, delete) must be granted for its type; new content must lie within the patients the
     * caller reaches, and within the categories a granular scope allows.
     *
     * @return the deletes of resources the caller may not see: to it they do not exist, so there is nothing to delete
     */
    private Set<String> checkWrites(Tx tx, AccessContext access, List<ResourceRecord> records,
                                    List<String> deletes) {
        if (access.unrestricted()) {
            // audit: the patients whose records this write changes (issue #13; conditional references not yet resolved)
            for (ResourceRecord r : records) access.touch(compartments(r, Map.of()));
            return Set.of();
        }
        List<String> keys = new ArrayList<>(deletes);
        records.forEach(r -> keys.add(r.key()));
        Map<String, Value> stored = new HashMap<>();
        tx.run(Cypher.query("security/write-targets"), params("keys", keys))
                .forEachRemaining(rec -> stored.put(rec.get("key").asString(), rec));
        Set<String> hidden = new HashSet<>();
        for (String key : deletes) {
            Value s = stored.get(key);
            if (s == null) continue; // nothing to delete
            if (!visible(access, s)) {
                hidden.add(key);
                continue;
            }
            if (!access.allows(s.get("type").asString(), Action.DELETE)) {
                throw WriteRefusedException.forbidden(key, "the token's scopes do not allow deleting " + s.get("type").asString());
            }
            touchStored(access, s); // audit: the patients whose records the delete changes
        }
        Map<String, String> resolved = resolveConditional(tx, records);
        for (ResourceRecord r : records) {
            Value s = stored.get(r.key());
            if (s != null && !visible(access, s)) throw WriteRefusedException.notVisible(r.key());
            Action action = s != null && s.get("current").asBoolean() ? Action.UPDATE : Action.CREATE;
            List<String> comps = compartments(r, resolved);
            Object cats = r.search().get("sp.category");
            @SuppressWarnings("unchecked")
            List<String> categories = cats instanceof List<?> l ? (List<String>) l : null;
            if (!access.mayWrite(r.type(), action, comps) || !access.mayRead(r.type(), comps, categories)) {
                throw WriteRefusedException.forbidden(r.key(), "the token's scopes do not allow this " + action.name().toLowerCase()
                        + " of " + r.type() + " (its type, its patient or its category)");
            }
            // audit: the patients whose records the write changes, before and after it
            if (s != null) touchStored(access, s);
            access.touch(comps);
        }
        return hidden;
    }

    private static void touchStored(AccessContext access, Value stored) {
        if (!stored.get("compartments").isNull()) access.touch(stored.get("compartments").asList(v -> v.asString()));
    }

    private boolean visible(AccessContext access, Value stored) {
        String type = stored.get("type").asString();
        List<String> comps = stored.get("compartments").isNull() ? (compartment.types().contains(type) ? List.of() : null)
                : stored.get("compartments").asList(v -> v.asString());
        List<String> cats = stored.get("categories").isNull() ? null : stored.get("categories").asList(v -> v.asString());
        return access.mayRead(type, comps, cats);
    }

    private static void requireUnrestricted(AccessContext access, String what) {
        java.util.Objects.requireNonNull(access, "no access context: the graph is not written for nobody");
        if (!access.unrestricted()) throw WriteRefusedException.forbidden(null, what + " are the server's own work");
    }

    /**
     * caregraph restore: nodes of a backup as they were (labels, properties), each marked with its backup id until
     * {@link #finishRestore} (backup/restore-nodes.cypher). Into an empty graph, as the server's own work.
     *
     * @param rows {@code {id, labels, props}}
     * @return the nodes created
     */
    public long restoreNodes(AccessContext access, List<Map<String, Object>> rows) {
        requireUnrestricted(access, "restores");
        if (rows.isEmpty()) return 0;
        return inWriteTransaction(access, tx -> tx.run(Cypher.query("backup/restore-nodes"), params("rows", rows))
                .single().get("created").asLong());
    }

    /**
     * caregraph restore: relationships between nodes restored by {@link #restoreNodes} (backup/restore-relationships.cypher).
     *
     * @param rows {@code {from, to, type, props}}, the ends by backup id
     * @return the relationships created: fewer than the rows when an end is not restored
     */
    public long restoreRelationships(AccessContext access, List<Map<String, Object>> rows) {
        requireUnrestricted(access, "restores");
        if (rows.isEmpty()) return 0;
        return inWriteTransaction(access, tx -> tx.run(Cypher.query("backup/restore-relationships"), params("rows", rows))
                .single().get("created").asLong());
    }

    /** caregraph restore, last write: the restored nodes lose their backup ids (backup/restore-finish.cypher). */
    public void finishRestore(AccessContext access) {
        requireUnrestricted(access, "restores");
        long done;
        do {
            done = inWriteTransaction(access, tx -> tx.run(Cypher.query("backup/restore-finish"), params("limit", 10_000))
                    .single().get("done").asLong());
        } while (done > 0);
    }

    /** How many write transactions have committed through this writer: a cache built at generation g is stale when it differs. */
    public long generation() {
        return generation.get();
    }

    /** Rebuilds the time-ordered encounter chain of every patient whose encounters changed since the last call. */
    /**
     * Relinks what a crash left marked: at startup, where a store without marks (the usual case) gets away with a
     * one-line probe instead of planning {@code link-journeys} (3 s of a cold start).
     */
    public void recoverJourneys(AccessContext access) {
        java.util.Objects.requireNonNull(access, "no access context: the graph is not written for nobody");
        boolean marked = transactions.execute(tx -> tx.run(Cypher.query("journeys-marked"), Map.of()).single())
                .get("marked").asBoolean();
        if (marked) linkJourneys(access);
    }

    public void linkJourneys(AccessContext access) {
        java.util.Objects.requireNonNull(access, "no access context: the graph is not written for nobody");
        Set<String> relinked = new HashSet<>();
        lock.lock();
        try {
            long linked;
            do {
                Value row = transactions.execute(tx -> tx.run(Cypher.query("link-journeys"), params("limit", 1000)).single());
                generation.incrementAndGet();
                relinked.addAll(row.get("patients").asList(v -> v.asString()));
                linked = row.get("linked").asLong();
            } while (linked > 0);
        } finally {
            lock.unlock();
        }
        if (!relinked.isEmpty()) events.publishEvent(new GraphChanged(Set.of(), Set.copyOf(relinked)));
    }
}
