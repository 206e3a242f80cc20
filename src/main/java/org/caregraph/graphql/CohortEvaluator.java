package org.caregraph.graphql;

import org.caregraph.security.AccessContext;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.caregraph.graph.GraphReader;
import org.caregraph.graphql.CohortCriteria.CodeCriterion;
import org.caregraph.graphql.CohortCriteria.Concept;
import org.caregraph.graphql.CohortCriteria.ObservationCriterion;
import org.caregraph.graphql.CohortCriteria.RelativeWindow;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Evaluates cohort criteria: each leaf is one named query returning a set of patient keys, and the sets are combined
 * here (and = intersection, or = union, not = every patient minus). The leaves run concurrently, each resolving its own
 * concepts (with their IS_A descendants) in its query, so a request costs about one round trip plus its slowest leaf.
 */
@Component
class CohortEvaluator implements DisposableBean {
    private static final List<String> OBSERVATION_PATHS = List.of("Observation.code", "Observation.component.code");

    private final GraphReader reader;
    // a few threads: leaves are index-backed reads, and the database's own threads do the work
    private final ExecutorService leaves = Executors.newFixedThreadPool(4, Thread.ofPlatform().daemon().name("cohort-", 0).factory());

    CohortEvaluator(GraphReader reader) {
        this.reader = reader;
    }

    /** The keys of the patients meeting {@code criteria}, sorted; BAD_CRITERIA when they cannot be evaluated. */
    List<String> evaluate(AccessContext access, CohortCriteria criteria) {
        criteria.check();
        Set<String> keys = new Request(access).start(criteria).get();
        return List.copyOf(new TreeSet<>(keys));
    }

    @Override
    public void destroy() {
        leaves.shutdownNow();
    }

    /** A set of patient keys being computed. */
    private interface Result {
        Set<String> get();
    }

    /** One evaluation: its leaves are started as the tree is walked, and combined when the root is asked. */
    private final class Request {
        private final AccessContext access;
        private Result everyone;

        Request(AccessContext access) {
            this.access = access;
        }

        private Result start(CohortCriteria c) {
            if (c.and() != null) {
                List<Result> parts = c.and().stream().map(this::start).toList();
                return () -> {
                    Set<String> out = new HashSet<>(parts.getFirst().get());
                    for (Result p : parts.subList(1, parts.size())) out.retainAll(p.get());
                    return out;
                };
            }
            if (c.or() != null) {
                List<Result> parts = c.or().stream().map(this::start).toList();
                return () -> {
                    Set<String> out = new HashSet<>();
                    for (Result p : parts) out.addAll(p.get());
                    return out;
                };
            }
            if (c.not() != null) {
                Result inner = start(c.not());
                if (everyone == null) everyone = leaf(() -> patients(access, "cohort-all", Map.of()));
                Result all = everyone;
                return () -> {
                    Set<String> out = new HashSet<>(all.get());
                    out.removeAll(inner.get());
                    return out;
                };
            }
            if (c.condition() != null) return coded(c.condition(), EventType.CONDITION);
            if (c.medication() != null) return coded(c.medication(), EventType.MEDICATION);
            if (c.procedure() != null) return coded(c.procedure(), EventType.PROCEDURE);
            if (c.immunization() != null) return coded(c.immunization(), EventType.IMMUNIZATION);
            if (c.observation() != null) return observations(c.observation());
            if (c.gender() != null) return leaf(() -> patients(access, "cohort-gender", Map.of("gender", c.gender())));
            if (c.age() != null) return age(c.age());
            return mentions(c.mention());
        }

        private Result coded(CodeCriterion c, EventType type) {
            return relative(codedParameters(c, type), c.relativeTo());
        }

        private Result observations(ObservationCriterion c) {
            Map<String, Object> p = events(List.of(c.code()), c.includeDescendants(), EventType.OBSERVATION.labels(), c.from(), c.to());
            p.put("paths", OBSERVATION_PATHS);
            p.put("values", c.hasValue());
            p.put("min", c.min());
            p.put("max", c.max());
            p.put("unit", c.unit());
            return relative(p, c.relativeTo());
        }

        private Result mentions(CohortCriteria.MentionCriterion m) {
            Map<String, Object> p = events(m.codes(), m.includeDescendants(), EventType.NOTE.labels(), null, null);
            p.put("relationship", "MENTIONS");
            p.put("negated", Boolean.TRUE.equals(m.includeNegated()));
            p.put("uncertain", Boolean.TRUE.equals(m.includeUncertain()));
            p.put("otherExperiencer", Boolean.TRUE.equals(m.includeOtherExperiencer()));
            return leaf(() -> patients(access, "cohort-events", p));
        }

        /**
         * The patients of the event query {@code p}; with a window, only those with an event whose time minus the
         * time of their earliest index event is, in whole days, within it.
         */
        private Result relative(Map<String, Object> p, RelativeWindow window) {
            if (window == null) return leaf(() -> patients(access, "cohort-events", p));
            Map<String, Object> ip = codedParameters(window.index(), window.type());
            ip.put("times", true);
            p.put("times", true);
            // both queries run on the pool; the join runs on the caller's thread, so no pool thread waits on another
            CompletableFuture<Map<String, List<OffsetDateTime>>> indexTimes = CompletableFuture.supplyAsync(() -> times(access, ip), leaves);
            CompletableFuture<Map<String, List<OffsetDateTime>>> eventTimes = CompletableFuture.supplyAsync(() -> times(access, p), leaves);
            return () -> {
                Map<String, List<OffsetDateTime>> indexed = join(indexTimes);
                Set<String> out = new HashSet<>();
                join(eventTimes).forEach((patient, times) -> {
                    OffsetDateTime first = indexed.getOrDefault(patient, List.of()).stream().min(OffsetDateTime::compareTo).orElse(null);
                    if (first != null && times.stream().anyMatch(t -> within(ChronoUnit.DAYS.between(first, t), window))) out.add(patient);
                });
                return out;
            };
        }

        private Result age(CohortCriteria.AgeCriterion age) {
            // age in whole years at `at` is >= n exactly when born on or before at - n years
            LocalDate at = CohortCriteria.date("at", age.at());
            LocalDate latest = at.minusYears(age.min() == null ? 0 : age.min());
            LocalDate earliest = age.max() == null ? null : at.minusYears(age.max() + 1L).plusDays(1);
            Map<String, Object> p = new HashMap<>();
            p.put("latest", latest.toString());
            p.put("earliest", earliest == null ? null : earliest.toString());
            return leaf(() -> patients(access, "cohort-born", p));
        }

        private Result leaf(Supplier<Set<String>> query) {
            CompletableFuture<Set<String>> f = CompletableFuture.supplyAsync(query, leaves);
            return () -> join(f);
        }
    }

    /** Parameters of cohort-events for the events of {@code type} whose own concept a code criterion names. */
    private static Map<String, Object> codedParameters(CodeCriterion c, EventType type) {
        Map<String, Object> p = events(c.codes(), c.includeDescendants(), type.labels(), c.from(), c.to());
        p.put("paths", EventType.codePaths(List.of(type)));
        return p;
    }

    /** Parameters of cohort-events: every one it takes, with the concepts, labels and window given, and no value test. */
    private static Map<String, Object> events(List<Concept> concepts, Boolean descendants, List<String> labels,
                                              String from, String to) {
        Map<String, Object> p = new HashMap<>();
        List<Map<String, Object>> cs = new ArrayList<>();
        for (Concept k : concepts) {
            Map<String, Object> m = new HashMap<>();
            m.put("system", k.system());
            m.put("code", k.code());
            cs.add(m);
        }
        p.put("concepts", cs);
        p.put("descendants", descendants == null || descendants);
        p.put("labels", labels);
        p.put("relationship", "CODED");
        p.put("paths", List.of());
        p.put("negated", false);
        p.put("uncertain", false);
        p.put("otherExperiencer", false);
        OffsetDateTime start = CohortCriteria.from("from", from);
        OffsetDateTime end = CohortCriteria.to("to", to);
        p.put("from", start == null ? null : start.toString());
        p.put("to", end == null ? null : end.toString());
        p.put("values", false);
        p.put("min", null);
        p.put("max", null);
        p.put("unit", null);
        p.put("times", false);
        return p;
    }

    private static boolean within(long days, RelativeWindow w) {
        return (w.minDays() == null || days >= w.minDays()) && (w.maxDays() == null || days <= w.maxDays());
    }

    private Set<String> patients(AccessContext access, String query, Map<String, ?> parameters) {
        return new HashSet<>(reader.list(access, query, parameters, r -> r.get("key").asString()));
    }

    private Map<String, List<OffsetDateTime>> times(AccessContext access, Map<String, ?> parameters) {
        Map<String, List<OffsetDateTime>> out = new HashMap<>();
        reader.list(access, "cohort-events", parameters, r -> out.put(r.get("key").asString(),
                r.get("times").asList(v -> CohortCriteria.stored(v.asString())).stream().filter(t -> t != null).toList()));
        return out;
    }

    /** The value of a leaf, rethrowing what its query threw (a timeout stays a timeout). */
    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }
}
