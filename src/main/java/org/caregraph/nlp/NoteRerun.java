package org.caregraph.nlp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.GraphWriter;
import org.caregraph.graph.ResourceMapper;
import org.caregraph.graph.ResourceRecord;
import org.springframework.stereotype.Component;

/**
 * {@code caregraph nlp rerun}: analyzes stored notes again after the lexicon or rules changed — those whose
 * {@code nlpVersion} is not the analyzer's (or all) — a page at a time, each page mapped like any write (the note's
 * stored analysis extension is replaced) and written through the single writer. A note whose result is the same is
 * not rewritten (same content hash).
 */
@Component
public class NoteRerun {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GraphReader reader;
    private final ResourceMapper mapper;
    private final GraphWriter writer;
    private final NoteEnricher enricher;

    public NoteRerun(GraphReader reader, ResourceMapper mapper, GraphWriter writer, NoteEnricher enricher) {
        this.reader = reader;
        this.mapper = mapper;
        this.writer = writer;
        this.enricher = enricher;
    }

    /** Notes read, rewritten (new analysis), failed (stored without mentions, retried by the next rerun). */
    public record Progress(long read, long rewritten, long failed) {
    }

    /** @throws IllegalStateException when NLP is off (no analyzer, or caregraph.nlp.enabled=false) */
    public Progress run(boolean all, int pageSize, Consumer<Progress> progress) {
        NoteAnalyzer analyzer = enricher.analyzer()
                .orElseThrow(() -> new IllegalStateException("NLP is off: no analyzer, or caregraph.nlp.enabled=false"));
        long read = 0;
        long rewritten = 0;
        long failed = 0;
        String after = "";
        while (true) {
            List<Map.Entry<String, String>> page = reader.list("nlp-notes",
                    Map.of("after", after, "all", all, "version", analyzer.version(), "limit", pageSize),
                    r -> Map.entry(r.get("key").asString(), r.get("json").asString()));
            if (page.isEmpty()) break;
            List<ResourceRecord> records = new ArrayList<>(page.size());
            for (Map.Entry<String, String> note : page) {
                ResourceRecord r = mapper.map(tree(note.getValue()), null);
                if (r.nlp() == null || r.nlp().error() != null) failed++;
                records.add(r);
            }
            rewritten += writer.write(records).changed().size();
            read += page.size();
            after = page.getLast().getKey();
            progress.accept(new Progress(read, rewritten, failed));
        }
        return new Progress(read, rewritten, failed);
    }

    private static ObjectNode tree(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON does not parse", e);
        }
    }
}
