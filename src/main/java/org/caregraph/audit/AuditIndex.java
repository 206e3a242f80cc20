package org.caregraph.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What the log holds, in memory, for serving it: per record where it lies (file, offset, length) and what searches
 * filter on (time, action, outcome, subtypes, the agents, the patients it names), and per patient its records, so
 * {@code AuditEvent?patient=} reads only that patient's records. Built from the log at startup and kept as records
 * are appended; the log itself stays the only copy of the events.
 */
final class AuditIndex {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One record. {@code patients}: every {@code Patient/…} the event names as an agent or an entity (FHIR's
     * {@code patient} search parameter, and the Patient compartment of an AuditEvent); {@code agents}: the agents'
     * references and identifier values (the user's fhirUser, the client id).
     */
    record Entry(long seq, int file, long offset, int length, long time, String action, String outcome,
                 Set<String> subtypes, Set<String> agents, Set<String> patients) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, List<Entry>> byPatient = new HashMap<>();
    /**
     * Each distinct value and set of values once: records repeat them (the same action, client, user, subtypes, the
     * same patient's records), and the index is in memory for the whole log (about 1 KB per record without this).
     */
    private final Map<Object, Object> canonical = new HashMap<>();

    /** The entry of record {@code line}, written at {@code offset} of file {@code file}. */
    static Entry entry(AuditChain.Line line, int file, long offset, int length) {
        JsonNode event;
        try {
            event = JSON.readTree(line.event());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("the event is not JSON");
        }
        Set<String> agents = new LinkedHashSet<>();
        Set<String> patients = new LinkedHashSet<>();
        for (JsonNode agent : event.path("agent")) {
            JsonNode who = agent.path("who");
            add(agents, who.path("reference").asText(null));
            add(agents, who.path("identifier").path("value").asText(null));
            patient(patients, who.path("reference").asText(null));
        }
        for (JsonNode entity : event.path("entity")) patient(patients, entity.path("what").path("reference").asText(null));
        Set<String> subtypes = new LinkedHashSet<>();
        for (JsonNode s : event.path("subtype")) add(subtypes, s.path("code").asText(null));
        return new Entry(line.seq(), file, offset, length, Instant.parse(line.time()).toEpochMilli(),
                event.path("action").asText(""), event.path("outcome").asText(""), Set.copyOf(subtypes),
                Set.copyOf(agents), Set.copyOf(patients));
    }

    private static void add(Set<String> set, String value) {
        if (value != null && !value.isBlank()) set.add(value);
    }

    private static void patient(Set<String> patients, String reference) {
        if (reference != null && reference.startsWith("Patient/")) patients.add(reference);
    }

    synchronized void add(Entry given) {
        Entry e = new Entry(given.seq(), given.file(), given.offset(), given.length(), given.time(), once(given.action()),
                once(given.outcome()), onceAll(given.subtypes()), onceAll(given.agents()), onceAll(given.patients()));
        entries.add(e);
        for (String p : e.patients()) byPatient.computeIfAbsent(p, k -> new ArrayList<>()).add(e);
    }

    @SuppressWarnings("unchecked")
    private <T> T once(T value) {
        return (T) canonical.computeIfAbsent(value, v -> v);
    }

    @SuppressWarnings("unchecked")
    private Set<String> onceAll(Set<String> values) {
        if (values.isEmpty()) return Set.of();
        Set<String> held = (Set<String>) canonical.get(values);
        if (held != null) return held;
        Set<String> made = Set.copyOf(values.stream().map(this::once).toList());
        canonical.put(made, made);
        return made;
    }

    synchronized int size() {
        return entries.size();
    }

    synchronized Optional<Entry> get(long seq) {
        int i = Collections.binarySearch(entries, null, (a, b) -> Long.compare(a == null ? seq : a.seq(), b == null ? seq : b.seq()));
        return i >= 0 ? Optional.of(entries.get(i)) : Optional.empty();
    }

    /** The entries that pass {@code filter}, newest first; with {@code patient}, among that patient's only. */
    synchronized List<Entry> select(String patient, Predicate<Entry> filter) {
        List<Entry> from = patient == null ? entries : byPatient.getOrDefault(patient, List.of());
        List<Entry> out = new ArrayList<>();
        for (int i = from.size() - 1; i >= 0; i--) if (filter.test(from.get(i))) out.add(from.get(i));
        return out;
    }
}
