package org.caregraph.nlp;

import org.caregraph.security.AccessContext;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.GraphWriter;
import org.caregraph.graph.ResourceMapper;
import org.caregraph.graph.ResourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * {@code caregraph nlp rerun}: analyzes stored notes again after the lexicon or rules changed — those whose
 * {@code nlpVersion} is not the analyzer's (or all) — a page at a time, each page mapped like any write (the note's
 * stored analysis extension is replaced) and written in place through the single writer ({@link GraphWriter#reanalyze}:
 * the client's content is unchanged, so no new version). A note whose findings are the same is not rewritten (same
 * content hash: the extension holds the findings, not the analyzer version); only its {@code nlpVersion} moves on.
 */
@Component
public class NoteRerun {
    private static final Logger log = LoggerFactory.getLogger(NoteRerun.class);

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

    /**
     * After a bulk import: analyzes again the notes analyzed with an older lexicon than the one the imported concepts
     * now give (only those whose findings change are rewritten). Nothing when NLP is off.
     */
    public void catchUp() {
        if (enricher.analyzer().isEmpty()) return;
        Progress done = run(AccessContext.service("nlp"), false, 500, p -> { });
        log.info("NLP after import: {} notes analyzed again, {} with new findings, {} failed", done.read(), done.rewritten(), done.failed());
    }

    /**
     * After a FHIR write (an interaction, a transaction, a batch): its notes were analyzed when mapped, before the
     * write's own concepts were in the graph (a Synthea Bundle's note comes before the Conditions it names) and with
     * the lexicon of the last check (at most every caregraph.nlp.lexicon-check). Checks the lexicon now and analyzes
     * the notes among {@code written} again when it is not the one they were analyzed with; a note is rewritten in
     * place only when its findings change. Nothing when NLP is off or no note was written.
     */
    public void catchUp(AccessContext access, List<ResourceRecord> written) {
        NoteAnalyzer analyzer = enricher.analyzer().orElse(null);
        if (analyzer == null || written.stream().noneMatch(r -> r.nlp() != null)) return;
        analyzer.refresh();
        String version = analyzer.version();
        List<ResourceRecord> again = written.stream().filter(r -> r.nlp() != null && !version.equals(r.nlp().version()))
                .map(r -> mapper.map(ResourceMapper.tree(r.json()), null)).toList();
        if (!writer.reanalyze(access, again).changed().isEmpty()) writer.pruneTextConcepts(AccessContext.service("nlp"));
    }

    /** @throws IllegalStateException when NLP is off (no analyzer, or caregraph.nlp.enabled=false) */
    public Progress run(AccessContext access, boolean all, int pageSize, Consumer<Progress> progress) {
        NoteAnalyzer analyzer = enricher.analyzer()
                .orElseThrow(() -> new IllegalStateException("NLP is off: no analyzer, or caregraph.nlp.enabled=false"));
        analyzer.refresh();
        long[] done = new long[3]; // read, rewritten, failed
        reader.forEachPage(access, "nlp-notes", Map.of("all", all, "version", analyzer.version()), pageSize, page -> {
            // analysis is the CPU work: spread over the cores; writing stays single
            List<ResourceRecord> records = page.parallelStream().map(note -> mapper.map(ResourceMapper.tree(note.getValue()), null)).toList();
            done[2] += records.stream().filter(r -> r.nlp() == null || r.nlp().error() != null).count();
            done[1] += writer.reanalyze(access, records).changed().size();
            done[0] += page.size();
            progress.accept(new Progress(done[0], done[1], done[2]));
        });
        // notes rewritten in place here or by the import leave the text concepts of their old findings behind
        writer.pruneTextConcepts(access);
        return new Progress(done[0], done[1], done[2]);
    }

}
