package org.caregraph.graphql;

import org.caregraph.security.AccessContext;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.GraphWriter;
import org.caregraph.graphql.PatientController.PatientView;
import org.caregraph.graphql.SimilarityController.ConceptView;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The similarity profiles per set of event kinds, read once and kept until the next committed write: IDF needs every
 * patient's profile, and reading them all per request (~250 ms on 1,000 Synthea patients) would miss the 100 ms target.
 * Never stale for writes through this process's {@link GraphWriter}: an index read at generation g is dropped as soon
 * as the writer's generation moves on. Writes that bypass it (another CareGraph instance on the same server, a direct
 * Bolt session) are picked up within {@code caregraph.graphql.similarity-max-age}.
 */
@Component
class SimilarProfiles {
    // a few kinds-of-event sets are asked in practice; more than this and the oldest is dropped
    private static final int KEPT = 8;

    private final GraphReader reader;
    private final GraphWriter writer;
    private final Map<Set<EventType>, SimilarIndex> indexes = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Set<EventType>, SimilarIndex> eldest) {
            return size() > KEPT;
        }
    };

    private final long maxAgeNanos;

    SimilarProfiles(GraphReader reader, GraphWriter writer,
                    @Value("${caregraph.graphql.similarity-max-age:60s}") Duration maxAge) {
        this.reader = reader;
        this.writer = writer;
        this.maxAgeNanos = maxAge.toNanos();
    }

    /** The index of profiles over {@code by}, current as of the writer's latest committed write. */
    SimilarIndex index(Set<EventType> by) {
        Set<EventType> kinds = by.isEmpty() ? EnumSet.allOf(EventType.class) : EnumSet.copyOf(by);
        // one build at a time: concurrent first requests wait for the same read rather than each doing it
        synchronized (indexes) {
            // read before the profiles: a write committed meanwhile leaves the index a generation behind, so rebuilt
            long generation = writer.generation();
            SimilarIndex index = indexes.get(kinds);
            if (index == null || !index.current(generation, maxAgeNanos)) {
                index = read(generation, kinds);
                indexes.put(kinds, index);
            }
            return index;
        }
    }

    private SimilarIndex read(long generation, Set<EventType> kinds) {
        // the index serves every caller: read as the server's own work, each answer is filtered for its caller
        return new SimilarIndex(generation, reader.list(AccessContext.service("similarity"), "similar-profiles",
                Map.of("labels", EventType.labels(kinds), "paths", EventType.codePaths(kinds)),
                r -> new SimilarIndex.Profile(PatientView.of(r.get("id").asString(), r.get("json").asString()),
                        r.get("concepts").asList(c -> new ConceptView(c.get("key").asString(), c.get("system").asString(null),
                                c.get("code").asString(), c.get("display").asString(null))))));
    }
}
