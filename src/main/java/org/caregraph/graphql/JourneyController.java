package org.caregraph.graphql;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.ResourceMapper;
import org.caregraph.graphql.PatientController.PatientView;
import org.dataloader.DataLoader;
import org.neo4j.driver.Record;
import org.neo4j.driver.Value;
import org.springframework.data.domain.KeysetScrollPosition;
import org.springframework.data.domain.ScrollPosition;
import org.springframework.data.domain.Window;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.graphql.data.query.ScrollSubrange;
import org.springframework.graphql.execution.BatchLoaderRegistry;
import org.springframework.stereotype.Controller;
import reactor.core.publisher.Mono;

/**
 * Patient journeys: the patient's events as keyset-paged connections, and encounters with their events. Each level of
 * a response is loaded in one batch (events by key, their encounters, the events of all encounters, note mentions),
 * so a journey of a thousand events costs a handful of queries, not a thousand.
 */
@Controller
public class JourneyController {
    private static final int DEFAULT_PAGE = 100;
    private static final int MAX_PAGE = 1000;
    /** conditions and medications are whole lists: bounded all the same. */
    private static final int MAX_LIST = 10_000;
    private static final List<String> ALL_CODE_PATHS = EventType.codePaths(List.of());

    private final GraphReader reader;

    public JourneyController(GraphReader reader, BatchLoaderRegistry registry) {
        this.reader = reader;
        registry.forTypePair(EncounterEvents.class, Events.class).withName("encounterEvents")
                .registerMappedBatchLoader((keys, env) -> Mono.fromCallable(() -> encounterEvents(keys)));
    }

    public record ConceptView(String key, String system, String code, String display) {
        static ConceptView of(Value v) {
            return new ConceptView(v.get("key").asString(), v.get("system").asString(null), v.get("code").asString(),
                    v.get("display").asString(null));
        }
    }

    public record Measurement(ConceptView concept, double value, String unit) {
    }

    /** An Event (or an Encounter: the schema's two views of a stored event). */
    public record EventView(String key, String id, String resourceType, String time, String end, String status,
                            List<ConceptView> concepts, String encounterKey, List<String> valueKeys,
                            List<Double> valueNumbers, List<String> valueUnits) {
        static EventView of(Record r) {
            Function<String, List<String>> strings = f -> r.get(f).isNull() ? List.of() : r.get(f).asList(Value::asString);
            return new EventView(r.get("key").asString(), r.get("id").asString(), r.get("resourceType").asString(),
                    r.get("time").asString(null), r.get("end").asString(null), r.get("status").asString(null),
                    r.get("concepts").asList(ConceptView::of), r.get("encounter").asString(null), strings.apply("valueKeys"),
                    r.get("valueNumbers").isNull() ? List.of() : r.get("valueNumbers").asList(Value::asDouble),
                    strings.apply("valueUnits"));
        }

        public EventType type() {
            return EventType.of(resourceType);
        }

        public String display() {
            return concepts.stream().map(ConceptView::display).filter(d -> d != null).findFirst().orElse(null);
        }
    }

    /** The events of one encounter, of some kinds: the key of the batch loader behind Encounter.events. */
    record EncounterEvents(String encounter, List<EventType> types) {
    }

    /** A loaded list of events (a class of its own: the batch loader's value type cannot be a generic List). */
    record Events(List<EventView> list) {
    }

    @SchemaMapping(typeName = "Patient")
    public Window<EventView> journey(PatientView patient, @Argument String from, @Argument String to,
                                     @Argument List<EventType> types, ScrollSubrange subrange) {
        return page(patient, bound("from", from), bound("to", to), types, subrange);
    }

    @SchemaMapping(typeName = "Patient")
    public Window<EventView> encounters(PatientView patient, ScrollSubrange subrange) {
        return page(patient, null, null, List.of(EventType.ENCOUNTER), subrange);
    }

    @SchemaMapping(typeName = "Patient")
    public List<EventView> conditions(PatientView patient) {
        return all(patient, EventType.CONDITION);
    }

    @SchemaMapping(typeName = "Patient")
    public List<EventView> medications(PatientView patient) {
        return all(patient, EventType.MEDICATION);
    }

    @BatchMapping(typeName = "Event")
    public Map<EventView, EventView> encounter(List<EventView> events) {
        Map<String, EventView> encounters = byKey(events.stream().map(EventView::encounterKey).filter(k -> k != null).distinct().toList());
        Map<EventView, EventView> out = new LinkedHashMap<>();
        for (EventView e : events) if (e.encounterKey() != null && encounters.containsKey(e.encounterKey())) out.put(e, encounters.get(e.encounterKey()));
        return out;
    }

    @SchemaMapping(typeName = "Encounter")
    public CompletableFuture<List<EventView>> events(EventView encounter, @Argument List<EventType> types,
                                                     DataLoader<EncounterEvents, Events> encounterEvents) {
        return encounterEvents.load(new EncounterEvents(encounter.key(), types == null ? List.of() : List.copyOf(types)))
                .thenApply(Events::list);
    }

    @BatchMapping(typeName = "Event")
    public Map<EventView, List<Measurement>> values(List<EventView> events) {
        List<String> keys = events.stream().flatMap(e -> e.valueKeys().stream()).distinct().toList();
        Map<String, ConceptView> concepts = keys.isEmpty() ? Map.of() : reader.list("concepts-by-key", Map.of("keys", keys),
                r -> ConceptView.of(r.get("concept"))).stream().collect(Collectors.toMap(ConceptView::key, c -> c));
        Map<EventView, List<Measurement>> out = new LinkedHashMap<>();
        for (EventView e : events) {
            List<Measurement> values = new ArrayList<>();
            for (int i = 0; i < e.valueKeys().size(); i++) {
                ConceptView c = concepts.get(e.valueKeys().get(i));
                String unit = e.valueUnits().size() > i && !e.valueUnits().get(i).isEmpty() ? e.valueUnits().get(i) : null;
                if (c != null) values.add(new Measurement(c, e.valueNumbers().get(i), unit));
            }
            out.put(e, values);
        }
        return out;
    }

    @BatchMapping(typeName = "Event")
    public Map<EventView, List<Map<String, Object>>> mentions(List<EventView> events) {
        List<String> notes = events.stream().filter(e -> e.type() == EventType.NOTE).map(EventView::key).toList();
        Map<String, List<Map<String, Object>>> byNote = new LinkedHashMap<>();
        if (!notes.isEmpty()) {
            for (Record r : reader.list("note-mentions", Map.of("keys", notes), r -> r)) {
                Map<String, Object> m = new LinkedHashMap<>(r.get("mention").asMap());
                m.put("concept", ConceptView.of(r.get("concept")));
                byNote.computeIfAbsent(r.get("key").asString(), k -> new ArrayList<>()).add(m);
            }
        }
        Map<EventView, List<Map<String, Object>>> out = new LinkedHashMap<>();
        for (EventView e : events) out.put(e, byNote.getOrDefault(e.key(), List.of()));
        return out;
    }

    private Window<EventView> page(PatientView patient, String from, String to, List<EventType> types, ScrollSubrange subrange) {
        int size = subrange.count().orElse(DEFAULT_PAGE);
        if (size < 1 || size > MAX_PAGE) {
            throw new GraphQlRequestException("BAD_ARGUMENT", "first must be between 1 and " + MAX_PAGE + ", not " + size);
        }
        Map<String, Object> params = keysQuery(patient, EventType.labels(types), from, to, size + 1);
        subrange.position().ifPresent(position -> {
            if (!(position instanceof KeysetScrollPosition keyset) || !(keyset.getKeys().get("key") instanceof String key)
                    || !(keyset.getKeys().get("time") instanceof String time)) {
                throw new GraphQlRequestException("BAD_ARGUMENT", "after is not a cursor of this list");
            }
            params.put("afterTime", time);
            params.put("afterKey", key);
        });
        List<String[]> keys = reader.list("journey-keys", params, r -> new String[] {r.get("key").asString(), r.get("time").asString()});
        boolean more = keys.size() > size;
        List<String[]> shown = more ? keys.subList(0, size) : keys;
        Map<String, EventView> events = byKey(shown.stream().map(k -> k[0]).toList());
        List<EventView> items = shown.stream().map(k -> events.get(k[0])).toList();
        return Window.from(items, i -> ScrollPosition.forward(cursor(shown.get(i))), more);
    }

    private static Map<String, Object> cursor(String[] keyAndTime) {
        Map<String, Object> keys = new LinkedHashMap<>();
        keys.put("time", keyAndTime[1]);
        keys.put("key", keyAndTime[0]);
        return keys;
    }

    private List<EventView> all(PatientView patient, EventType type) {
        Map<String, Object> params = keysQuery(patient, type.labels(), null, null, MAX_LIST);
        List<String> keys = reader.list("journey-keys", params, r -> r.get("key").asString());
        Map<String, EventView> events = byKey(keys);
        return keys.stream().map(events::get).toList();
    }

    /** Parameters of journey-keys.cypher, from the first event on. */
    private static Map<String, Object> keysQuery(PatientView patient, List<String> labels, String from, String to, int limit) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("patient", patient.key());
        params.put("labels", labels);
        params.put("from", from);
        params.put("to", to);
        params.put("afterTime", null);
        params.put("afterKey", null);
        params.put("limit", limit);
        return params;
    }

    private Map<EncounterEvents, Events> encounterEvents(Collection<EncounterEvents> wanted) {
        Map<EncounterEvents, Events> out = new LinkedHashMap<>();
        // one query per distinct set of kinds asked for (in practice one)
        Map<List<EventType>, List<EncounterEvents>> byTypes = wanted.stream().collect(Collectors.groupingBy(EncounterEvents::types));
        byTypes.forEach((types, group) -> {
            List<String> encounters = group.stream().map(EncounterEvents::encounter).toList();
            List<String[]> pairs = reader.list("encounter-event-keys", Map.of("encounters", encounters, "labels", EventType.labels(types)),
                    r -> new String[] {r.get("encounter").asString(), r.get("key").asString()});
            Map<String, EventView> events = byKey(pairs.stream().map(p -> p[1]).distinct().toList());
            Map<String, List<EventView>> perEncounter = new LinkedHashMap<>();
            for (String[] p : pairs) perEncounter.computeIfAbsent(p[0], k -> new ArrayList<>()).add(events.get(p[1]));
            for (EncounterEvents e : group) out.put(e, new Events(perEncounter.getOrDefault(e.encounter(), List.of())));
        });
        return out;
    }

    private Map<String, EventView> byKey(List<String> keys) {
        if (keys.isEmpty()) return Map.of();
        return reader.list("events-by-key", Map.of("keys", keys, "paths", ALL_CODE_PATHS), EventView::of).stream()
                .collect(Collectors.toMap(EventView::key, e -> e, (a, b) -> a, LinkedHashMap::new));
    }

    /** An ISO date or dateTime bound, in the stored form (UTC for a dateTime). */
    private static String bound(String name, String value) {
        if (value == null) return null;
        try {
            if (value.indexOf('T') < 0) return LocalDate.parse(value).toString();
            OffsetDateTime.parse(value);
            return ResourceMapper.utc(value);
        } catch (DateTimeParseException e) {
            throw new GraphQlRequestException("BAD_ARGUMENT", name + " must be an ISO date or dateTime with offset, not '" + value + "'");
        }
    }
}
