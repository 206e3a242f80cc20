package org.caregraph.graph;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.caregraph.security.AccessContext;
import org.neo4j.driver.Record;
import org.neo4j.driver.Value;
import org.neo4j.driver.Values;
import org.springframework.stereotype.Component;

/**
 * {@code caregraph check}: the graph's invariants verified against the stored JSON, every resource node in key order,
 * a page at a time. What each resource's JSON implies is computed by the same code that wrote it — the mapper's
 * derivation ({@link ResourceMapper#rederive}, as {@code reindex} uses it) and the writer's compartments — never by a
 * second implementation, so the check finds where the graph departs from what the writer would write:
 * <ul>
 * <li>{@code stored-json}: the JSON does not map, or does not name the node (key, type, id, label, hash);</li>
 * <li>{@code missing-reference} / {@code unexpected-reference}, {@code missing-coding} / {@code unexpected-coding},
 *     {@code missing-identifier} / {@code unexpected-identifier}, {@code unexpected-relationship}: each reference
 *     (typed, with its FHIRPath, to the resource it names or, for a conditional one, a resource holding or a
 *     placeholder standing for its identifier), coding and identifier the JSON implies is there, and nothing else;</li>
 * <li>{@code search-value}, {@code node-fact}, {@code compartments}: the search values, the facts analytics read and
 *     the patients whose compartments hold it are what the JSON gives;</li>
 * <li>{@code tombstone}: a deleted resource keeps no content nor anything derived from it;</li>
 * <li>{@code version-chain}: versions 1 to n-1 of a resource at version n are there, once each, in time order, each of
 *     the resource, and each a version of it (or a deletion);</li>
 * <li>{@code orphan-placeholder}: a placeholder no reference ends at; {@code unadopted-placeholder}: one standing for
 *     an identifier a resource now holds; {@code placeholder}: one with content, versions or references of its own;</li>
 * <li>{@code journey}: each current patient's encounters chained in time order (time, then key) from its
 *     FIRST_ENCOUNTER, and no journey link elsewhere. A patient still marked for relinking is counted as pending, not
 *     checked: the writer relinks it next.</li>
 * </ul>
 * Each page is read under the writer lock (milliseconds), so a check of a serving instance sees every page as one
 * state of its writes; mapping runs outside the lock, on all cores.
 */
@Component
public class GraphCheck {
    /** Violations listed at most; all are counted. */
    static final int MAX_LISTED = 10_000;
    private static final int PAGE = 500;
    private static final Set<String> OWN_RELATIONSHIPS = Set.of("IDENTIFIED_BY", "STANDS_FOR", "MENTIONS", "NEXT", "FIRST_ENCOUNTER");

    private final GraphReader reader;
    private final GraphWriter writer;
    private final ResourceMapper mapper;

    public GraphCheck(GraphReader reader, GraphWriter writer, ResourceMapper mapper) {
        this.reader = reader;
        this.writer = writer;
        this.mapper = mapper;
    }

    /** One violated invariant: its kind (see the class comment), the node's key, what is wrong. */
    public record Violation(String kind, String key, String detail) {
    }

    /**
     * The outcome: what was checked (resources current and deleted, placeholders, versions, patients, patients whose
     * relinking is pending), violations per kind, and the first {@link #MAX_LISTED} violations.
     */
    public record Report(long resources, long deleted, long placeholders, long versions, long patients, long pendingJourneys,
                         Map<String, Long> violationsByKind, List<Violation> violations) {
        public boolean clean() {
            return violationsByKind.isEmpty();
        }

        public long totalViolations() {
            return violationsByKind.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static final class Findings {
        final Map<String, Long> byKind = new TreeMap<>();
        final List<Violation> listed = new ArrayList<>();
        long resources, deleted, placeholders, versions, patients, pending;

        synchronized void add(String kind, String key, String detail) {
            byKind.merge(kind, 1L, Long::sum);
            if (listed.size() < MAX_LISTED) listed.add(new Violation(kind, key, detail));
        }

        Report report() {
            listed.sort(Comparator.comparing(Violation::key).thenComparing(Violation::kind));
            return new Report(resources, deleted, placeholders, versions, patients, pending, byKind, List.copyOf(listed));
        }
    }

    /** @param progress resources checked so far, now and then */
    public Report run(AccessContext access, Consumer<Long> progress) {
        Findings f = new Findings();
        String after = "";
        while (true) {
            List<Record> page = page(access, "check/resources", after);
            if (page.isEmpty()) break;
            page.parallelStream().forEach(r -> resource(r, f));
            for (Record r : page) {
                Map<String, Object> props = r.get("props").asMap();
                if (props.get("placeholder") != null) f.placeholders++;
                else if (props.get("deleted") != null) f.deleted++;
                else f.resources++;
                f.versions += r.get("versions").size();
            }
            after = page.getLast().get("key").asString();
            progress.accept(f.resources + f.deleted + f.placeholders);
        }
        after = "";
        while (true) {
            List<Record> page = page(access, "check/journeys", after);
            if (page.isEmpty()) break;
            for (Record p : page) journey(p, f);
            after = page.getLast().get("key").asString();
        }
        writer.exclusively(() -> reader.streamAll(access, "check/strays", Map.of("limit", MAX_LISTED), Duration.ofHours(1), rows -> {
            rows.forEachRemaining(r -> f.add(r.get("kind").asString(), r.get("key").asString(), r.get("detail").asString()));
            return null;
        }));
        return f.report();
    }

    /** A page of a whole-store query, read under the writer lock: one state of this instance's writes. */
    private List<Record> page(AccessContext access, String query, String after) {
        return writer.exclusively(() -> reader.streamAll(access, query, Map.of("after", after, "limit", PAGE), Duration.ofMinutes(10),
                rows -> {
                    List<Record> out = new ArrayList<>();
                    rows.forEachRemaining(out::add);
                    return out;
                }));
    }

    private void resource(Record r, Findings f) {
        String key = r.get("key").asString();
        Map<String, Object> props = r.get("props").asMap();
        if (props.get("placeholder") != null) {
            placeholder(r, key, props, f);
            return;
        }
        versions(r, key, props, f);
        if (props.get("deleted") != null) {
            tombstone(r, key, props, f);
            return;
        }
        Object json = props.get("json");
        ResourceRecord expected;
        try {
            if (!(json instanceof String text)) throw new IllegalStateException("no JSON");
            expected = mapper.rederive(ResourceMapper.tree(text));
        } catch (IllegalStateException | InvalidResourceException e) {
            f.add("stored-json", key, "the stored JSON does not map: " + e.getMessage());
            return;
        }
        identity(r, key, props, expected, f);
        Map<String, String> resolved = references(r, key, expected, f);
        codings(r, key, expected, f);
        same(f, "missing-identifier", "unexpected-identifier", key, expected.identifiers(),
                r.get("identifiers").asList(Value::asString), "IDENTIFIED_BY ");
        for (String type : r.get("other").asList(Value::asString)) {
            if (!OWN_RELATIONSHIPS.contains(type) || "STANDS_FOR".equals(type)) {
                f.add("unexpected-relationship", key, "a " + type + " relationship no JSON element implies");
            }
        }
        facts(key, props, expected, f);
        compartments(key, props, expected, resolved, f);
    }

    /** The node is the JSON's: key, type, id, label, hash. */
    private static void identity(Record r, String key, Map<String, Object> props, ResourceRecord expected, Findings f) {
        if (!key.equals(expected.key())) f.add("stored-json", key, "the stored JSON is " + expected.key());
        if (!r.get("labels").asList(Value::asString).contains(expected.type())) {
            f.add("stored-json", key, "the node has no " + expected.type() + " label");
        }
        if (!expected.hash().equals(props.get("hash"))) f.add("stored-json", key, "hash is not the stored JSON's");
        if (!expected.contentHash().equals(props.get("contentHash"))) {
            f.add("stored-json", key, "contentHash is not the stored content's");
        }
    }

    /**
     * The reference relationships against the JSON's references: a literal one ends at its key, a conditional one at a
     * node holding (or a placeholder standing for) its identifier. Returns how conditional ones resolved, for the
     * compartments.
     */
    private static Map<String, String> references(Record r, String key, ResourceRecord expected, Findings f) {
        List<Value> actual = new ArrayList<>();
        for (Value ref : r.get("refs").values()) {
            if (!"CODED".equals(ref.get("type").asString())) actual.add(ref);
        }
        Map<String, String> resolved = new HashMap<>();
        for (ResourceRecord.Ref ref : expected.refs()) {
            Value match = null;
            for (Value a : actual) {
                if (!a.get("type").asString().equals(ref.rel()) || !a.get("path").asString().equals(ref.path())) continue;
                boolean ends = ref.ident() == null ? a.get("to").asString().equals(ref.key())
                        : a.get("idents").asList(Value::asString).contains(ref.ident());
                if (ends) {
                    match = a;
                    break;
                }
            }
            if (match == null) {
                f.add("missing-reference", key, ref.rel() + " at " + ref.path() + " to " + ref.key());
                continue;
            }
            actual.remove(match);
            if (ref.ident() != null) resolved.put(ref.ident(), match.get("to").asString());
        }
        for (Value a : actual) {
            f.add("unexpected-reference", key, a.get("type").asString() + " at " + a.get("path").asString() + " to "
                    + a.get("to").asString() + ", which the JSON does not name");
        }
        return resolved;
    }

    private static void codings(Record r, String key, ResourceRecord expected, Findings f) {
        List<String> want = expected.codes().stream().map(c -> c.key() + " at " + c.path()).toList();
        List<String> have = new ArrayList<>();
        for (Value ref : r.get("refs").values()) {
            if ("CODED".equals(ref.get("type").asString())) have.add(ref.get("to").asString() + " at " + ref.get("path").asString());
        }
        same(f, "missing-coding", "unexpected-coding", key, want, have, "CODED ");
    }

    /** {@code want} and {@code have} as multisets: each missing one and each one too many is a violation. */
    private static void same(Findings f, String missing, String unexpected, String key, Collection<String> want,
                             Collection<String> have, String what) {
        List<String> extra = new ArrayList<>(have);
        for (String w : want) {
            if (!extra.remove(w)) f.add(missing, key, what + w);
        }
        for (String e : extra) f.add(unexpected, key, what + e + ", which the JSON does not imply");
    }

    /** Search values, the facts analytics read, id and type: as the writer sets them from this JSON. */
    private static void facts(String key, Map<String, Object> props, ResourceRecord expected, Findings f) {
        Map<String, Object> want = new LinkedHashMap<>();
        want.put("id", expected.id());
        want.put("resourceType", expected.type());
        want.put("time", expected.time());
        for (String fact : ResourceRecord.FACTS) want.put(fact, expected.facts().get(fact));
        for (Map.Entry<String, Object> e : want.entrySet()) {
            Object w = normal(e.getValue());
            Object h = props.get(e.getKey());
            if (!Objects.equals(w, h)) f.add("node-fact", key, e.getKey() + " is " + h + ", the JSON gives " + w);
        }
        Set<String> params = new HashSet<>(expected.search().keySet());
        for (String k : props.keySet()) if (k.startsWith("sp.")) params.add(k);
        for (String p : new java.util.TreeSet<>(params)) {
            Object w = normal(expected.search().get(p));
            Object h = props.get(p);
            if (!Objects.equals(w, h)) {
                f.add("search-value", key, p + (h == null ? " is missing" : w == null ? " is there, the JSON gives none"
                        : " is " + h + ", the JSON gives " + w));
            }
        }
    }

    private void compartments(String key, Map<String, Object> props, ResourceRecord expected, Map<String, String> resolved,
                              Findings f) {
        List<String> want = writer.compartments(expected, resolved);
        Object have = props.get("compartments");
        boolean same = want == null ? have == null
                : have instanceof List<?> l && new HashSet<>(l).equals(new HashSet<>(want)) && l.size() == want.size();
        if (!same) f.add("compartments", key, "compartments are " + have + ", the JSON's references give " + want);
    }

    /** A value as the driver gives it back (integers as Long, floats as Double, arrays as lists). */
    private static Object normal(Object value) {
        return value == null ? null : Values.value(value).asObject();
    }

    /** Versions 1..n-1 of a resource at version n, once each, in time order, each of this resource and only of it. */
    private static void versions(Record r, String key, Map<String, Object> props, Findings f) {
        long current = props.get("versionId") instanceof Long v ? v : 0;
        if (current < 1) {
            f.add("version-chain", key, "no versionId");
            return;
        }
        Map<Long, Value> byId = new TreeMap<>();
        for (Value v : r.get("versions").values()) {
            long id = v.get("versionId").asLong(0);
            if (byId.put(id, v) != null) f.add("version-chain", key, "version " + id + " is there twice");
            if (!v.get("key").asString("").equals(key + "/_history/" + id)) {
                f.add("version-chain", key, "version " + id + " has key " + v.get("key").asString(null));
            }
            if (v.get("of").asLong() != 1) f.add("version-chain", key, "version " + id + " belongs to several resources");
            if (v.get("json").isNull() && v.get("deleted").isNull()) {
                f.add("version-chain", key, "version " + id + " has no content and is no deletion");
            } else if (!v.get("json").isNull()) {
                String named = named(v.get("json").asString());
                if (!key.equals(named)) f.add("version-chain", key, "version " + id + " holds " + named);
            }
        }
        for (long i = 1; i < current; i++) if (!byId.containsKey(i)) f.add("version-chain", key, "version " + i + " is missing");
        for (long id : byId.keySet()) if (id < 1 || id >= current) f.add("version-chain", key, "version " + id + " is not before " + current);
        String previous = null;
        for (Value v : byId.values()) {
            String at = v.get("lastUpdated").asString(null);
            if (at == null || (previous != null && time(at).isBefore(time(previous)))) {
                f.add("version-chain", key, "version " + v.get("versionId").asLong() + " is older than the one before it");
            }
            previous = at;
        }
        Object now = props.get("lastUpdated");
        if (previous != null && now instanceof String t && time(t).isBefore(time(previous))) {
            f.add("version-chain", key, "the current version is older than version " + (current - 1));
        }
    }

    private static java.time.OffsetDateTime time(String t) {
        return java.time.OffsetDateTime.parse(t);
    }

    /** Type/id a version's JSON names, or what is wrong with it. */
    private static String named(String json) {
        try {
            var tree = ResourceMapper.tree(json);
            return tree.path("resourceType").asText() + "/" + tree.path("id").asText();
        } catch (IllegalStateException e) {
            return "JSON that does not parse";
        }
    }

    /** A deleted resource: no content, nothing derived from it. */
    private static void tombstone(Record r, String key, Map<String, Object> props, Findings f) {
        for (String k : props.keySet()) {
            if (k.startsWith("sp.") || k.equals("json") || k.equals("hash") || k.equals("contentHash")
                    || ResourceRecord.FACTS.contains(k)) {
                f.add("tombstone", key, "a deleted resource keeps " + k);
            }
        }
        for (Value ref : r.get("refs").values()) {
            f.add("tombstone", key, "a deleted resource keeps " + ref.get("type").asString() + " at " + ref.get("path").asString());
        }
        for (String type : r.get("other").asList(Value::asString)) {
            // journey links of a tombstone are the journey check's (it knows whether relinking is pending)
            if (!"STANDS_FOR".equals(type) && !"FIRST_ENCOUNTER".equals(type) && !"NEXT".equals(type)) {
                f.add("tombstone", key, "a deleted resource keeps a " + type + " relationship");
            }
        }
    }

    private static void placeholder(Record r, String key, Map<String, Object> props, Findings f) {
        if (props.get("json") != null || !r.get("versions").isEmpty()) {
            f.add("placeholder", key, "a placeholder with content or versions");
        }
        if (!r.get("refs").isEmpty() || !r.get("identifiers").isEmpty()) {
            f.add("placeholder", key, "a placeholder with references, codings or identifiers of its own");
        }
        if (r.get("referencedBy").asLong(0) == 0) f.add("orphan-placeholder", key, "no reference ends at this placeholder");
        for (String holder : r.get("adoptable").asList(Value::asString)) {
            f.add("unadopted-placeholder", key, holder + " holds the identifier this placeholder stands for");
        }
    }

    /** A patient's encounters chained in (time, key) order, as link-journeys.cypher orders them. */
    private static void journey(Record p, Findings f) {
        f.patients++;
        String key = p.get("key").asString();
        if (p.get("dirty").asBoolean()) {
            f.pending++;
            return;
        }
        List<Value> encounters = new ArrayList<>();
        p.get("encounters").values().forEach(encounters::add);
        encounters.sort(Comparator.comparing((Value e) -> e.get("time").asString(null), Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(e -> e.get("key").asString()));
        List<String> want = encounters.stream().map(e -> e.get("key").asString()).toList();
        List<String> first = p.get("first").asList(Value::asString);
        Map<String, String> next = new HashMap<>();
        for (Value n : p.get("next").values()) {
            if (next.put(n.get("from").asString(), n.get("to").asString()) != null) {
                f.add("journey", key, n.get("from").asString() + " has more than one NEXT");
            }
        }
        List<String> have = new ArrayList<>();
        if (first.size() > 1) f.add("journey", key, "more than one FIRST_ENCOUNTER");
        Set<String> seen = new HashSet<>();
        for (String at = first.isEmpty() ? null : first.getFirst(); at != null && seen.add(at); at = next.get(at)) have.add(at);
        if (!have.equals(want)) {
            f.add("journey", key, "the encounter chain is " + abbreviated(have) + ", in time order it is " + abbreviated(want));
        } else if (next.size() != Math.max(0, want.size() - 1)) {
            f.add("journey", key, "NEXT links beside the chain");
        }
    }

    private static String abbreviated(List<String> keys) {
        return keys.size() <= 6 ? keys.toString() : keys.subList(0, 3) + "... (" + keys.size() + ")";
    }
}
