package org.caregraph.nlp;

import org.caregraph.security.AccessContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

import org.caregraph.graph.Cypher;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.GraphWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The application's {@link NoteAnalyzer}: a {@link ClinicalPipeline} over the lexicon of the graph's Concept nodes
 * (displays and synonyms, categories from where they are coded; nlp-lexicon.cypher) plus CareGraph's curated list. The
 * lexicon is built on first use and rebuilt when the concepts change: at most every {@code caregraph.nlp.lexicon-check}
 * and only after a write, the Concept counts (nlp-lexicon-state.cypher) are compared with those it was built at.
 * Threads that find a rebuild under way go on with the lexicon in use.
 */
@Component
public class NlpPipeline implements NoteAnalyzer {
    /** The lexicon is built from every concept in the graph, as the server's own work (concepts are not PHI). */
    private static final AccessContext LEXICON = AccessContext.service("nlp lexicon");

    private static final Logger log = LoggerFactory.getLogger(NlpPipeline.class);

    private record State(ClinicalPipeline pipeline, long generation, List<Long> counts, long checkedAt) {
    }

    private final GraphReader reader;
    private final GraphWriter writer;
    private final long checkEveryNanos;
    private final Duration buildTimeout;
    private final ReentrantLock checking = new ReentrantLock();
    private volatile State state;
    /** NLP throughput: texts analyzed (import, FHIR writes, /nlp) with their time, and their characters */
    private final Timer analyzed;
    private final Counter characters;

    public NlpPipeline(GraphReader reader, GraphWriter writer,
                       @Value("${caregraph.nlp.lexicon-check:10s}") Duration checkEvery,
                       @Value("${caregraph.nlp.lexicon-timeout:300s}") Duration buildTimeout, MeterRegistry meters) {
        this.analyzed = Timer.builder("caregraph.nlp.texts").description("Texts analyzed by the NLP pipeline").register(meters);
        this.characters = Counter.builder("caregraph.nlp.characters").description("Characters of the texts analyzed")
                .baseUnit("characters").register(meters);
        this.reader = reader;
        this.writer = writer;
        this.checkEveryNanos = checkEvery.toNanos();
        this.buildTimeout = buildTimeout;
    }

    @Override
    public List<Mention> analyze(String text) {
        ClinicalPipeline pipeline = current(); // a lexicon rebuild is not the text's analysis time
        long start = System.nanoTime();
        try {
            return pipeline.analyze(text);
        } finally {
            analyzed.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            characters.increment(text == null ? 0 : text.length());
        }
    }

    @Override
    public String version() {
        return current().version();
    }

    /** Checks the graph's concepts now, whatever the time since the last check: after a bulk import, before a rerun. */
    @Override
    public void refresh() {
        checking.lock();
        try {
            check(state);
        } finally {
            checking.unlock();
        }
    }

    /** The pipeline to use now, rebuilt first when the graph's concepts have changed (see class comment). */
    ClinicalPipeline current() {
        State s = state;
        if (s != null && !due(s)) return s.pipeline();
        if (s != null && !checking.tryLock()) return s.pipeline();
        if (s == null) checking.lock();
        try {
            s = state;
            if (s != null && !due(s)) return s.pipeline();
            return check(s);
        } finally {
            checking.unlock();
        }
    }

    /** Rebuilds the lexicon when the Concept counts differ from those {@code s} was built at; the caller holds the lock. */
    private ClinicalPipeline check(State s) {
        long generation = writer.generation(); // read before the counts: a write in between is seen next time
        List<Long> counts = reader.list(LEXICON, "nlp-lexicon-state", Map.of(), r -> List.of(r.get("concepts").asLong(),
                r.get("displays").asLong(), r.get("synonyms").asLong())).getFirst();
        ClinicalPipeline pipeline = s != null && counts.equals(s.counts()) ? s.pipeline() : build();
        state = new State(pipeline, generation, counts, System.nanoTime());
        return pipeline;
    }

    private boolean due(State s) {
        return s.generation() != writer.generation() && System.nanoTime() - s.checkedAt() >= checkEveryNanos;
    }

    private ClinicalPipeline build() {
        long started = System.nanoTime();
        Lexicon.Builder builder = ClinicalPipeline.lexicon();
        int concepts = reader.stream(LEXICON, "nlp-lexicon", Map.of(), buildTimeout, result -> {
            int n = 0;
            while (result.hasNext()) {
                var r = result.next();
                builder.addConcept(r.get("key").asString(), r.get("system").asString(null), r.get("code").asString(null),
                        r.get("display").asString(null), r.get("synonyms").isNull() ? List.of() : r.get("synonyms").asList(v -> v.asString()),
                        r.get("paths").asList(v -> v.asString()));
                n++;
            }
            return n;
        });
        ClinicalPipeline pipeline = ClinicalPipeline.of(ClinicalPipeline.withCurated(builder).build());
        log.info("NLP lexicon built from {} concepts: {} terms, version {} ({} ms)", concepts,
                pipeline.lexiconInUse().size(), pipeline.version(), (System.nanoTime() - started) / 1_000_000);
        return pipeline;
    }
}
