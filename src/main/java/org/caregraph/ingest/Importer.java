package org.caregraph.ingest;

import org.caregraph.security.AccessContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;
import org.caregraph.graph.GraphWriter;
import org.caregraph.graph.InvalidResourceException;
import org.caregraph.graph.ResourceMapper;
import org.caregraph.graph.ResourceRecord;
import org.caregraph.nlp.NoteRerun;
import org.springframework.beans.factory.ObjectProvider;
import org.neo4j.driver.exceptions.ServiceUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Bulk import: files → records (one reader thread, streaming) → validated, mapped resources (parallel, order kept)
 * → batches written by the single {@link GraphWriter}, one transaction each; notes are analyzed and written in a
 * second pass, once everything they are analyzed against is in the graph. Memory stays flat: at most a few
 * chunks are in flight whatever the input size. Bad records go to the {@link ErrorReport}; the good ones are written.
 */
@Component
public class Importer {
    /** Imports are the server's own work, unconfined: who may start one is decided at the door (system/caregraph.import). */
    private static final AccessContext SERVICE = AccessContext.service("import");

    private static final Logger log = LoggerFactory.getLogger(Importer.class);
    private static final int CHUNK = 256;
    private static final int MAX_BATCH_WEIGHT = 24 << 20;

    private final ResourceMapper mapper;
    private final GraphWriter writer;
    private final int batchSize;
    private final int threads;
    private final ObjectProvider<NoteRerun> notes;

    public Importer(ResourceMapper mapper, GraphWriter writer, ObjectProvider<NoteRerun> notes,
                    @Value("${caregraph.import.batch-size:2000}") int batchSize,
                    @Value("${caregraph.import.threads:0}") int threads) {
        this.mapper = mapper;
        this.writer = writer;
        this.notes = notes;
        this.batchSize = batchSize;
        this.threads = threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** A record read and mapped, or why it could not be; {@code later}: a note set aside for its analysis. */
    private record Mapped(String file, long line, String type, String id, ResourceRecord record,
                          InvalidResourceException error, boolean later) {
    }

    private static final CompletableFuture<List<Mapped>> END = CompletableFuture.completedFuture(List.of());

    public ImportProgress run(List<ImportInput> inputs, ErrorReport errors, Consumer<ImportProgress> progress) {
        return run(inputs, errors, progress, false);
    }

    /**
     * Two passes over one pipeline. First everything but the notes is read, mapped and written; the notes are mapped
     * and set aside on disk ({@link NoteSpill}). Then the notes are analyzed (on all cores, with the lexicon of all the
     * concepts just written, so once and not again at the end) and written with what they derive.
     *
     * @param validateOnly read, validate and map everything, report errors, write nothing
     */
    public ImportProgress run(List<ImportInput> inputs, ErrorReport errors, Consumer<ImportProgress> progress,
                              boolean validateOnly) {
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("import-map-", 0).daemon().factory());
        Counters c = new Counters(start);
        try (NoteSpill notesAside = new NoteSpill()) {
            this.<RawRecord>pipeline(pool, each -> read(inputs, each), raw -> map(raw, !validateOnly),
                    notesAside, inputs.size(), errors, progress, validateOnly, c);
            if (notesAside.size() > 0) {
                // the lexicon is the graph's concepts: with the notes' own ones in, it is the one their writes leave
                writer.writeCodes(SERVICE, notesAside.codes());
                mapper.refreshEnrichment();
                this.<NoteSpill.Entry>pipeline(pool, notesAside::forEach, this::analyze,
                        null, inputs.size(), errors, progress, false, c);
            }
            if (!validateOnly) writer.linkJourneys(SERVICE);
            // safety net: notes analyzed with a lexicon that the import's later writes moved (its notes' own codes)
            // are analyzed again, and rewritten only where their findings change
            if (!validateOnly && c.written > 0) notes.ifAvailable(NoteRerun::catchUp);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("import interrupted", e);
        } finally {
            pool.shutdownNow();
        }
        ImportProgress done = c.snapshot(inputs.size());
        progress.accept(done);
        log.info("Import finished: {} resources ({} new or changed, {} unchanged), {} rejected, in {} s",
                done.imported(), done.written(), done.unchanged(), done.failed(), String.format("%.1f", done.seconds()));
        return done;
    }

    /** What a pass reads: each item in order. */
    private interface Source<T> {
        void read(Consumer<T> each);
    }

    /**
     * One pass: a reader thread streams items into chunks mapped on the pool (the bounded queue keeps memory flat),
     * this thread takes them in order and writes batches; notes go {@code aside} when it is given.
     */
    private <T> void pipeline(ExecutorService pool, Source<T> source, Function<T, Mapped> map, NoteSpill aside, int files,
                              ErrorReport errors, Consumer<ImportProgress> progress, boolean validateOnly, Counters c)
            throws InterruptedException {
        BlockingQueue<CompletableFuture<List<Mapped>>> queue = new ArrayBlockingQueue<>(threads * 2 + 2);
        Thread reader = Thread.ofPlatform().name("import-read").daemon().start(() -> {
            List<T> chunk = new ArrayList<>(CHUNK);
            try {
                source.read(item -> {
                    chunk.add(item);
                    if (chunk.size() >= CHUNK) submit(chunk, map, pool, queue);
                });
                submit(chunk, map, pool, queue);
            } finally {
                putQuietly(queue, END);
            }
        });
        List<Mapped> batch = new ArrayList<>();
        int weight = 0;
        try {
            while (true) {
                CompletableFuture<List<Mapped>> f = queue.take();
                if (f == END) break;
                for (Mapped m : f.join()) {
                    if (aside == null || !m.later) c.read++;
                    if (m.record == null) {
                        reject(errors, m);
                        c.failed++;
                        continue;
                    }
                    if (m.later && aside != null) {
                        aside.add(m.file, m.line, m.record);
                        continue;
                    }
                    ResourceRecord.Analysis nlp = m.record.nlp();
                    if (nlp != null && nlp.error() != null) {
                        // the note itself is stored; only its analysis is missing (caregraph nlp rerun retries it)
                        errors.add(m.file, m.line, m.record.type(), m.record.id(), "processing",
                                "stored without NLP mentions: " + nlp.error(), null);
                    }
                    if (validateOnly) {
                        c.unchanged++;
                        continue;
                    }
                    batch.add(m);
                    weight += m.record.weight();
                    if (batch.size() >= batchSize || weight >= MAX_BATCH_WEIGHT) {
                        flush(batch, errors, c);
                        weight = 0;
                        progress.accept(c.snapshot(files));
                    }
                }
            }
            flush(batch, errors, c);
            reader.join();
        } finally {
            // after a failure the reader may be blocked on the full queue: release it
            reader.interrupt();
        }
    }

    /** First pass's source: streams every file's records. */
    private static void read(List<ImportInput> inputs, Consumer<RawRecord> each) {
        FhirFileReader reader = new FhirFileReader();
        for (ImportInput input : inputs) {
            try {
                reader.read(input.path(), input.name(), each::accept);
            } catch (IOException | RuntimeException e) {
                // an unreadable file costs only itself
                each.accept(RawRecord.error(input.name(), 0, null, null, "exception", "cannot read file: " + e.getMessage()));
            }
        }
    }

    private <T> void submit(List<T> chunk, Function<T, Mapped> map, ExecutorService pool,
                            BlockingQueue<CompletableFuture<List<Mapped>>> queue) {
        if (chunk.isEmpty()) return;
        List<T> work = List.copyOf(chunk);
        chunk.clear();
        putQuietly(queue, CompletableFuture.supplyAsync(() -> work.stream().map(map).toList(), pool));
    }

    /** @param defer a note's analysis is left for the second pass (a validation analyzes it at once: nothing is written) */
    private Mapped map(RawRecord raw, boolean defer) {
        if (raw.failed()) return failed(raw, new InvalidResourceException(raw.code(), raw.message(), null));
        try {
            if (!defer) return mapped(raw.file(), raw.line(), mapper.map(raw.resource(), raw.urnLookup()), false);
            ResourceMapper.Deferred d = mapper.mapDeferred(raw.resource(), raw.urnLookup());
            return mapped(raw.file(), raw.line(), d.record(), d.later());
        } catch (InvalidResourceException e) {
            return failed(raw, e);
        } catch (RuntimeException e) {
            return failed(raw, new InvalidResourceException("exception", String.valueOf(e.getMessage()), null));
        }
    }

    /** Second pass: a set-aside note analyzed (the enricher records a failure in the analysis, never throws). */
    private Mapped analyze(NoteSpill.Entry note) {
        return mapped(note.file(), note.line(), mapper.enrich(note.record()), false);
    }

    private static Mapped mapped(String file, long line, ResourceRecord record, boolean later) {
        return new Mapped(file, line, record.type(), record.id(), record, null, later);
    }

    private static Mapped failed(RawRecord raw, InvalidResourceException error) {
        return new Mapped(raw.file(), raw.line(), raw.resourceType(), raw.id(), null, error, false);
    }

    private static void putQuietly(BlockingQueue<CompletableFuture<List<Mapped>>> queue, CompletableFuture<List<Mapped>> f) {
        try {
            queue.put(f);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("import interrupted", e);
        }
    }

    /**
     * Writes a batch in one transaction; if the database refuses it (a record it rejects, or a transaction too large
     * for its memory limit), the halves are written separately, down to single records, so one bad record costs only
     * itself and an oversized batch still goes in.
     */
    private void flush(List<Mapped> batch, ErrorReport errors, Counters c) {
        if (batch.isEmpty()) return;
        write(List.copyOf(batch), errors, c);
        batch.clear();
    }

    private void write(List<Mapped> batch, ErrorReport errors, Counters c) {
        try {
            account(batch.size(), writer.write(SERVICE, batch.stream().map(Mapped::record).toList()), c);
        } catch (ServiceUnavailableException e) {
            throw e; // the database is gone: splitting would only fail record by record
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                Mapped m = batch.getFirst();
                errors.add(m.file, m.line, m.record.type(), m.record.id(), "exception",
                        "the database rejected the resource: " + e.getMessage(), null);
                c.failed++;
                return;
            }
            log.warn("A batch of {} was refused ({}); writing it in halves", batch.size(), e.getClass().getSimpleName());
            write(batch.subList(0, batch.size() / 2), errors, c);
            write(batch.subList(batch.size() / 2, batch.size()), errors, c);
        }
    }

    private static void account(int size, GraphWriter.WriteResult result, Counters c) {
        c.written += result.changed().size();
        c.unchanged += size - result.changed().size();
    }

    private static void reject(ErrorReport errors, Mapped m) {
        errors.add(m.file, m.line, m.type, m.id, m.error.code(), m.error.getMessage(), m.error.expression());
    }

    private static final class Counters {
        final long start;
        long read;
        long written;
        long unchanged;
        long failed;

        Counters(long start) {
            this.start = start;
        }

        ImportProgress snapshot(int files) {
            return new ImportProgress(read, written, unchanged, failed, files, (System.nanoTime() - start) / 1e9);
        }
    }
}
