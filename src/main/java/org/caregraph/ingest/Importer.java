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
 * → batches written by the single {@link GraphWriter}, one transaction each. Memory stays flat: at most a few
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

    private record Mapped(RawRecord raw, ResourceRecord record, InvalidResourceException error) {
    }

    private static final CompletableFuture<List<Mapped>> END = CompletableFuture.completedFuture(List.of());

    public ImportProgress run(List<ImportInput> inputs, ErrorReport errors, Consumer<ImportProgress> progress) {
        return run(inputs, errors, progress, false);
    }

    /** @param validateOnly read, validate and map everything, report errors, write nothing */
    public ImportProgress run(List<ImportInput> inputs, ErrorReport errors, Consumer<ImportProgress> progress,
                              boolean validateOnly) {
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("import-map-", 0).daemon().factory());
        BlockingQueue<CompletableFuture<List<Mapped>>> queue = new ArrayBlockingQueue<>(threads * 2 + 2);
        Thread reader = Thread.ofPlatform().name("import-read").daemon().start(() -> read(inputs, pool, queue));
        Counters c = new Counters(start);
        List<Mapped> batch = new ArrayList<>();
        int weight = 0;
        try {
            while (true) {
                CompletableFuture<List<Mapped>> f = queue.take();
                if (f == END) break;
                for (Mapped m : f.join()) {
                    c.read++;
                    if (m.record == null) {
                        reject(errors, m);
                        c.failed++;
                        continue;
                    }
                    ResourceRecord.Analysis nlp = m.record.nlp();
                    if (nlp != null && nlp.error() != null) {
                        // the note itself is stored; only its analysis is missing (caregraph nlp rerun retries it)
                        errors.add(m.raw.file(), m.raw.line(), m.record.type(), m.record.id(), "processing",
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
                        progress.accept(c.snapshot(inputs.size()));
                    }
                }
            }
            flush(batch, errors, c);
            reader.join();
            if (!validateOnly) writer.linkJourneys(SERVICE);
            // notes are analyzed as they are mapped, before later resources (their own bundle's Conditions) are
            // written: once everything is in, the notes analyzed with an older lexicon are analyzed again
            if (!validateOnly && c.written > 0) notes.ifAvailable(NoteRerun::catchUp);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("import interrupted", e);
        } finally {
            // after a failure the reader may be blocked on the full queue: release it
            reader.interrupt();
            pool.shutdownNow();
        }
        ImportProgress done = c.snapshot(inputs.size());
        progress.accept(done);
        log.info("Import finished: {} resources ({} new or changed, {} unchanged), {} rejected, in {} s",
                done.imported(), done.written(), done.unchanged(), done.failed(), String.format("%.1f", done.seconds()));
        return done;
    }

    /** Reader thread: streams every file into chunks mapped on the pool; the bounded queue keeps memory flat. */
    private void read(List<ImportInput> inputs, ExecutorService pool,
                      BlockingQueue<CompletableFuture<List<Mapped>>> queue) {
        List<RawRecord> chunk = new ArrayList<>(CHUNK);
        FhirFileReader reader = new FhirFileReader();
        try {
            for (ImportInput input : inputs) {
                try {
                    reader.read(input.path(), input.name(), rec -> {
                        chunk.add(rec);
                        if (chunk.size() >= CHUNK) submit(chunk, pool, queue);
                    });
                } catch (IOException | RuntimeException e) {
                    // an unreadable file costs only itself
                    chunk.add(RawRecord.error(input.name(), 0, null, null, "exception", "cannot read file: " + e.getMessage()));
                }
            }
            submit(chunk, pool, queue);
        } finally {
            putQuietly(queue, END);
        }
    }

    private void submit(List<RawRecord> chunk, ExecutorService pool, BlockingQueue<CompletableFuture<List<Mapped>>> queue) {
        if (chunk.isEmpty()) return;
        List<RawRecord> work = List.copyOf(chunk);
        chunk.clear();
        putQuietly(queue, CompletableFuture.supplyAsync(() -> work.stream().map(this::map).toList(), pool));
    }

    private Mapped map(RawRecord raw) {
        if (raw.failed()) return new Mapped(raw, null, new InvalidResourceException(raw.code(), raw.message(), null));
        try {
            return new Mapped(raw, mapper.map(raw.resource(), raw.urnLookup()), null);
        } catch (InvalidResourceException e) {
            return new Mapped(raw, null, e);
        } catch (RuntimeException e) {
            return new Mapped(raw, null, new InvalidResourceException("exception", String.valueOf(e.getMessage()), null));
        }
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
                errors.add(m.raw.file(), m.raw.line(), m.record.type(), m.record.id(), "exception",
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
        RawRecord r = m.raw;
        errors.add(r.file(), r.line(), r.resourceType(), r.id(), m.error.code(), m.error.getMessage(), m.error.expression());
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
