package org.caregraph.graph;

import org.caregraph.security.AccessContext;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * {@code caregraph reindex}: every current resource's derived graph (node facts, search values, reference and code
 * relationships, identifiers) computed again from its stored JSON by the current {@link ResourceMapper}, a page at a
 * time, through the single writer, with no new version. A data directory written by an older CareGraph thus gains what
 * newer versions derive (search values, say), which a re-import would skip as unchanged content.
 */
@Component
public class GraphReindex {
    private static final Logger log = LoggerFactory.getLogger(GraphReindex.class);

    private static final AccessContext SERVICE = AccessContext.service("reindex");

    private final GraphReader reader;
    private final ResourceMapper mapper;
    private final GraphWriter writer;

    public GraphReindex(GraphReader reader, ResourceMapper mapper, GraphWriter writer) {
        this.reader = reader;
        this.mapper = mapper;
        this.writer = writer;
    }

    /** Resources read, re-derived, and failed (stored JSON that no longer maps; their keys are logged). */
    public record Progress(long read, long reindexed, long failed) {
    }

    public Progress run(int pageSize, Consumer<Progress> progress) {
        long[] done = new long[3]; // read, re-derived, failed
        reader.forEachPage(SERVICE, "reindex-page", Map.of(), pageSize, page -> {
            // mapping is CPU work (FHIR parsing, FHIRPath): spread over the cores; writing stays single
            List<ResourceRecord> records = page.parallelStream().map(this::rederive).filter(Objects::nonNull).toList();
            done[2] += page.size() - records.size();
            done[1] += writer.reindex(SERVICE, records).changed().size();
            done[0] += page.size();
            progress.accept(new Progress(done[0], done[1], done[2]));
        });
        writer.linkJourneys(SERVICE);
        return new Progress(done[0], done[1], done[2]);
    }

    private ResourceRecord rederive(Map.Entry<String, String> stored) {
        try {
            return mapper.rederive(ResourceMapper.tree(stored.getValue()));
        } catch (IllegalStateException | InvalidResourceException e) {
            // no id in the log: ids can be record numbers (docs/security.md); the count is in the summary
            log.warn("reindex: a {} does not map ({}); left as it is", stored.getKey().split("/", 2)[0],
                    e.getClass().getSimpleName());
            return null;
        }
    }
}
