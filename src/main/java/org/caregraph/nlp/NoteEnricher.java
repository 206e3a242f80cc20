package org.caregraph.nlp;

import org.caregraph.security.AccessContext;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.RecordEnricher;
import org.caregraph.graph.ResourceMapper;
import org.caregraph.graph.ResourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * NLP on every write path: a note (DocumentReference, DiagnosticReport with a presentedForm) is analyzed while it is
 * mapped — on the import's mapping threads, in the FHIR request — outside the writer's lock. Its record then carries
 * the analysis extension in its JSON (docs/nlp-extensions.md), the mentions and the derived resources, which the
 * writer stores in the note's own transaction. On unless {@code caregraph.nlp.enabled=false} or no
 * {@link NoteAnalyzer} bean exists. A note that cannot be analyzed is stored as received, without mentions and
 * without {@code nlpVersion} (so {@code caregraph nlp rerun} retries it); the reason goes to the import's error report.
 */
@Component
public class NoteEnricher implements RecordEnricher {
    private static final Logger log = LoggerFactory.getLogger(NoteEnricher.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectProvider<NoteAnalyzer> analyzers;
    private final GraphReader reader;
    private final boolean enabled;
    private final AtomicLong notes = new AtomicLong();
    private final AtomicLong mentions = new AtomicLong();
    private final AtomicLong derived = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    public NoteEnricher(ObjectProvider<NoteAnalyzer> analyzers, GraphReader reader,
                        @Value("${caregraph.nlp.enabled:true}") boolean enabled) {
        this.analyzers = analyzers;
        this.reader = reader;
        this.enabled = enabled;
    }

    /** Counts since start: notes analyzed, mentions, derived resources, attachments skipped, notes failed. */
    public record Stats(long notes, long mentions, long derived, long skippedAttachments, long failed) {
    }

    public Stats stats() {
        return new Stats(notes.get(), mentions.get(), derived.get(), skipped.get(), failed.get());
    }

    /** The analyzer in use, or empty when NLP is off. */
    public Optional<NoteAnalyzer> analyzer() {
        return enabled ? Optional.ofNullable(analyzers.getIfAvailable()) : Optional.empty();
    }

    /** The server's own analysis extension is never taken from a client: it is recomputed, or dropped when NLP is off. */
    @Override
    public void strip(ObjectNode resource) {
        if (NoteText.attachments(resource.path("resourceType").asText()) != null) NlpFhir.strip(resource);
    }

    @Override
    public void refresh() {
        analyzer().ifPresent(NoteAnalyzer::refresh);
    }

    @Override
    public boolean wants(ObjectNode resource, ResourceRecord record) {
        if (NoteText.attachments(record.type()) == null) return false;
        if (record.type().equals("DiagnosticReport") && !resource.has("presentedForm")) return false;
        return analyzer().isPresent();
    }

    @Override
    public ResourceRecord enrich(ObjectNode resource, ResourceRecord record, ResourceMapper mapper) {
        if (!wants(resource, record)) return record;
        NoteAnalyzer analyzer = analyzer().orElseThrow();
        try {
            return analyze(resource, record, mapper, analyzer);
        } catch (RuntimeException e) {
            // the exception's message may quote the note and ids can be record numbers: the failure is kept on the
            // note itself, only the type and exception class go to the log
            log.warn("NLP failed on a {} ({}); stored without mentions", record.type(), e.getClass().getSimpleName());
            return failed(record, "NLP failed: " + e);
        }
    }

    private ResourceRecord analyze(ObjectNode resource, ResourceRecord record, ResourceMapper mapper, NoteAnalyzer analyzer) {
        NoteText.Extracted text = NoteText.extract(record.type(), resource, this::binary);
        skipped.addAndGet(text.skipped());
        if (text.error() != null) {
            log.warn("NLP could not read the text of a {}; stored without mentions", record.type());
            return failed(record, "NLP could not read the note: " + text.error());
        }
        String version = analyzer.version();
        String subject = ref(record, record.type() + ".subject");
        String encounter = ref(record, record.type().equals("DocumentReference") ? "DocumentReference.context.encounter"
                : "DiagnosticReport.encounter");
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<String, ResourceRecord.Code> concepts = new LinkedHashMap<>();
        Map<String, ResourceRecord> derivedRecords = new LinkedHashMap<>();
        ObjectNode note = resource.deepCopy();
        for (NoteText.Source source : text.sources()) {
            List<Mention> found = analyzer.analyze(source.text());
            ArrayNode exts = note.get("extension") instanceof ArrayNode a ? a : note.putArray("extension");
            exts.add(NlpFhir.extension(source.path(), found));
            for (Mention m : found) {
                Mention.ConceptMatch c = NlpFhir.concept(m);
                concepts.putIfAbsent(c.key(), new ResourceRecord.Code(c.key(), c.system(), c.code(), c.display(), null));
                rows.add(Map.of("concept", c.key(), "props", NlpFhir.props(m, source.path())));
                if (subject == null) continue;
                NlpFhir.kind(m).ifPresent(kind -> {
                    String key = kind + "/" + NlpFhir.derivedId(record.key(), kind, c.key());
                    if (!derivedRecords.containsKey(key)) {
                        ObjectNode json = NlpFhir.derived(kind, m, record.key(), subject, encounter, record.time());
                        derivedRecords.put(key, mapper.map(json, null));
                    }
                });
            }
        }
        notes.incrementAndGet();
        mentions.addAndGet(rows.size());
        derived.addAndGet(derivedRecords.size());
        String json;
        try {
            json = JSON.writeValueAsString(note);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return record.withAnalysis(json, new ResourceRecord.Analysis(version, rows, List.copyOf(concepts.values()),
                List.copyOf(derivedRecords.values()), null));
    }

    private ResourceRecord failed(ResourceRecord record, String reason) {
        failed.incrementAndGet();
        return record.withAnalysis(record.json(), new ResourceRecord.Analysis(null, List.of(), List.of(), List.of(), reason));
    }

    /**
     * A stored Binary, read through the one read door as the server's own work: its text goes only into the analysis
     * of the note that points at it (Binary has no Patient compartment to confine it by).
     */
    private Optional<JsonNode> binary(String key) {
        return reader.read(AccessContext.service("nlp"), key).map(stored -> ResourceMapper.tree(stored.json()));
    }

    /** The literal reference at {@code path}, as the mapper resolved it ({@code Type/id}), or null. */
    private static String ref(ResourceRecord record, String path) {
        return record.refs().stream().filter(r -> r.path().equals(path) && r.ident() == null).map(ResourceRecord.Ref::key)
                .findFirst().orElse(null);
    }
}
