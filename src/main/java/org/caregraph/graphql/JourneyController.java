package org.caregraph.graphql;

import org.caregraph.security.AccessContext;
import graphql.GraphQLContext;
import graphql.schema.DataFetchingEnvironment;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.ResourceMapper;
import org.caregraph.graphql.PatientController.PatientView;
import graphql.schema.DataFetchingFieldSelectionSet;
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
    private static final Set<String> CODE_PATHS = Set.copyOf(EventType.codePaths(List.of()));
    private static final List<String> ALL_LABELS = EventType.labels(List.of());
    private static final Set<String> ID_FIELDS = Set.of("id", "key", "__typename");

    private final GraphReader reader;

    public JourneyController(GraphReader reader, BatchLoaderRegistry registry) {
        this.reader = reader;
        registry.forTypePair(EncounterEvents.class, Events.class).withName("encounterEvents")
                .registerMappedBatchLoader((keys, env) -> Mono.fromCallable(() -> encounterEvents(access(env), keys)));
        registry.forTypePair(String.class, EventView.class).withName("eventsByKey")
                .registerMappedBatchLoader((keys, env) -> Mono.fromCallable(() -> byKey(access(env), List.copyOf(keys))));
    }

    public record ConceptView(String key, String system, String code, String display) {
        static ConceptView of(Value v) {
            return new ConceptView(v.get("key").asString(), v.get("system").asString(null), v.get("code").asString(),
                    v.get("display").asString(null));
        }

        /** From a Concept key (system|code) and a display as written ("" for none). */
        static ConceptView ofKey(String key, String display) {
            int bar = key.indexOf('|');
            return new ConceptView(key, key.substring(0, bar), key.substring(bar + 1), display.isEmpty() ? null : display);
        }
    }

    public record Measurement(ConceptView concept, double value, String unit) {
    }

    /**
     * An Event (or an Encounter: the schema's two views of a stored event); {@code askedFor} is the encounter whose
     * events were asked for, when that is how it was read.
     */
    public record EventView(String key, String id, String resourceType, String time, String end, String status,
                            List<ConceptView> concepts, String encounterKey, List<Measurement> values, String askedFor) {
        static EventView of(Record r) {
            // the codings as written on the node: the event's own concepts are those at an EventType code path;
            // a measured value's concept is the coding with its key (an Observation's code or a component's)
            List<String> paths = strings(r, "codingPaths");
            List<String> keys = strings(r, "codingKeys");
            List<String> displays = strings(r, "codingDisplays");
            Map<String, ConceptView> own = new LinkedHashMap<>();
            Map<String, ConceptView> coded = new LinkedHashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                ConceptView c = ConceptView.ofKey(keys.get(i), displays.get(i));
                coded.putIfAbsent(c.key(), c);
                if (CODE_PATHS.contains(paths.get(i))) own.putIfAbsent(c.key(), c);
            }
            List<Measurement> values = new ArrayList<>();
            List<String> valueKeys = strings(r, "valueKeys");
            List<String> units = strings(r, "valueUnits");
            for (int i = 0; i < valueKeys.size(); i++) {
                ConceptView c = coded.get(valueKeys.get(i));
                String unit = units.size() > i && !units.get(i).isEmpty() ? units.get(i) : null;
                if (c != null) values.add(new Measurement(c, r.get("valueNumbers").get(i).asDouble(), unit));
            }
            return new EventView(r.get("key").asString(), r.get("id").asString(), r.get("resourceType").asString(),
                    r.get("time").asString(null), r.get("end").asString(null), r.get("status").asString(null),
                    List.copyOf(own.values()), r.get("encounter").asString(null), values, r.get("of").asString(null));
        }

        private static List<String> strings(Record r, String field) {
            return r.get(field).isNull() ? List.of() : r.get(field).asList(Value::asString);
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
                                     @Argument List<EventType> types, ScrollSubrange subrange, DataFetchingEnvironment env) {
        return page(GraphQlAccess.of(env), patient, bound("from", from), bound("to", to), types, subrange);
    }

    @SchemaMapping(typeName = "Patient")
    public Window<EventView> encounters(PatientView patient, ScrollSubrange subrange, DataFetchingEnvironment env) {
        return page(GraphQlAccess.of(env), patient, null, null, List.of(EventType.ENCOUNTER), subrange);
    }

    @SchemaMapping(typeName = "Patient")
    public List<EventView> conditions(PatientView patient, DataFetchingEnvironment env) {
        return all(GraphQlAccess.of(env), patient, EventType.CONDITION);
    }

    @SchemaMapping(typeName = "Patient")
    public List<EventView> medications(PatientView patient, DataFetchingEnvironment env) {
        return all(GraphQlAccess.of(env), patient, EventType.MEDICATION);
    }

    /**
     * The encounter an event names, batch-loaded by key; read only when more than its id is asked for, since the
     * event's row already carries the encounter's key.
     */
    @SchemaMapping(typeName = "Event")
    public CompletableFuture<EventView> encounter(EventView event, DataFetchingFieldSelectionSet selection,
                                                  DataLoader<String, EventView> eventsByKey) {
        if (event.encounterKey() == null) return CompletableFuture.completedFuture(null);
        if (selection.getImmediateFields().stream().allMatch(f -> ID_FIELDS.contains(f.getName()))) {
            String key = event.encounterKey();
            return CompletableFuture.completedFuture(new EventView(key, key.substring(key.indexOf('/') + 1), "Encounter",
                    null, null, null, List.of(), null, List.of(), null));
        }
        return eventsByKey.load(event.encounterKey());
    }

    @SchemaMapping(typeName = "Encounter")
    public CompletableFuture<List<EventView>> events(EventView encounter, @Argument List<EventType> types,
                                                     DataLoader<EncounterEvents, Events> encounterEvents) {
        return encounterEvents.load(new EncounterEvents(encounter.key(), types == null ? List.of() : List.copyOf(types)))
                .thenApply(Events::list);
    }

    @BatchMapping(typeName = "Event")
    public Map<EventView, List<Map<String, Object>>> mentions(List<EventView> events, GraphQLContext context) {
        List<String> notes = events.stream().filter(e -> e.type() == EventType.NOTE).map(EventView::key).toList();
        Map<String, List<Map<String, Object>>> byNote = new LinkedHashMap<>();
        if (!notes.isEmpty()) {
            for (Record r : reader.list(GraphQlAccess.of(context), "note-mentions", Map.of("keys", notes), r -> r)) {
                Map<String, Object> m = new LinkedHashMap<>(r.get("mention").asMap());
                m.put("concept", ConceptView.of(r.get("concept")));
                byNote.computeIfAbsent(r.get("key").asString(), k -> new ArrayList<>()).add(m);
            }
        }
        Map<EventView, List<Map<String, Object>>> out = new LinkedHashMap<>();
        for (EventView e : events) out.put(e, byNote.getOrDefault(e.key(), List.of()));
        return out;
    }

    private Window<EventView> page(AccessContext access, PatientView patient, String from, String to, List<EventType> types, ScrollSubrange subrange) {
        int size = subrange.count().orElse(DEFAULT_PAGE);
        if (size < 1 || size > MAX_PAGE) {
            throw new GraphQlRequestException("BAD_ARGUMENT", "first must be between 1 and " + MAX_PAGE + ", not " + size);
        }
        Map<String, Object> params = source(EventType.labels(types), size + 1);
        params.put("patient", patient.key());
        params.put("from", from);
        params.put("to", to);
        subrange.position().ifPresent(position -> {
            if (!(position instanceof KeysetScrollPosition keyset) || !(keyset.getKeys().get("key") instanceof String key)
                    || !(keyset.getKeys().get("time") instanceof String time)) {
                throw new GraphQlRequestException("BAD_ARGUMENT", "after is not a cursor of this list");
            }
            params.put("afterTime", time);
            params.put("afterKey", key);
        });
        List<EventView> events = reader.list(access, "events", params, EventView::of);
        boolean more = events.size() > size;
        List<EventView> shown = more ? events.subList(0, size) : events;
        return Window.from(shown, i -> ScrollPosition.forward(cursor(shown.get(i))), more);
    }

    private static Map<String, Object> cursor(EventView event) {
        Map<String, Object> keys = new LinkedHashMap<>();
        keys.put("time", event.time() == null ? "" : event.time());
        keys.put("key", event.key());
        return keys;
    }

    private List<EventView> all(AccessContext access, PatientView patient, EventType type) {
        Map<String, Object> params = source(type.labels(), MAX_LIST + 1);
        params.put("patient", patient.key());
        List<EventView> events = reader.list(access, "events", params, EventView::of);
        // never a silently cut list: beyond the bound the client pages through journey(types:)
        if (events.size() > MAX_LIST) {
            throw new GraphQlRequestException("TOO_MANY_RESULTS", "more than " + MAX_LIST + " " + type
                    + " events; page through journey(types: [" + type + "]) instead");
        }
        return events;
    }

    /** Parameters of events.cypher with no source chosen yet. */
    private static Map<String, Object> source(List<String> labels, int limit) {
        Map<String, Object> params = new LinkedHashMap<>();
        for (String p : List.of("patient", "from", "to", "afterTime", "afterKey", "keys", "encounters")) params.put(p, null);
        params.put("labels", labels);
        params.put("limit", limit);
        return params;
    }

    private static AccessContext access(org.dataloader.BatchLoaderEnvironment env) {
        return GraphQlAccess.of((GraphQLContext) env.getContext());
    }

    private Map<EncounterEvents, Events> encounterEvents(AccessContext access, Collection<EncounterEvents> wanted) {
        Map<EncounterEvents, Events> out = new LinkedHashMap<>();
        // one query per distinct set of kinds asked for (in practice one)
        Map<List<EventType>, List<EncounterEvents>> byTypes = wanted.stream().collect(Collectors.groupingBy(EncounterEvents::types));
        byTypes.forEach((types, group) -> {
            Map<String, Object> params = source(EventType.labels(types), Integer.MAX_VALUE);
            params.put("encounters", group.stream().map(EncounterEvents::encounter).distinct().toList());
            Map<String, List<EventView>> perEncounter = reader.list(access, "events", params, EventView::of).stream()
                    .collect(Collectors.groupingBy(EventView::askedFor));
            for (EncounterEvents e : group) out.put(e, new Events(perEncounter.getOrDefault(e.encounter(), List.of())));
        });
        return out;
    }

    private Map<String, EventView> byKey(AccessContext access, List<String> keys) {
        if (keys.isEmpty()) return Map.of();
        Map<String, Object> params = source(ALL_LABELS, keys.size());
        params.put("keys", keys);
        return reader.list(access, "events", params, EventView::of).stream()
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
