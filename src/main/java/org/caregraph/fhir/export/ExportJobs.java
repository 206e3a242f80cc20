package org.caregraph.fhir.export;

import java.util.Iterator;
import org.caregraph.security.AccessContext;
import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.caregraph.graph.PatientCompartment;
import org.caregraph.graph.GraphReader;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.neo4j.driver.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Bulk Data export jobs: each runs in the background, one at a time, streaming every requested type from the graph
 * (export-type.cypher; export-compartment.cypher or export-group.cypher at Patient and Group level) through
 * {@link GraphReader} into one NDJSON file per type: the stored JSON as it is, with the server's meta.versionId and
 * meta.lastUpdated, one resource in memory at a time. A resource that cannot be written goes to an error file of
 * OperationOutcomes instead. A job is a directory under the export dir (job.json, the NDJSON files): it survives a
 * restart and is deleted after the retention period, or when the client cancels it. A job that fails, or that a stop
 * or a crash interrupted (found queued or running when a server starts), fails cleanly: its status says so and its
 * partial files are deleted, so no client ever reads half an export; the client starts a new one.
 */
@Component
public class ExportJobs implements DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(ExportJobs.class);
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    static final String ERROR_FILE = "errors.ndjson";
    private static final String JOB_FILE = "job.json";

    /** What a job exports: resources at system, Patient or Group level, or the outputs of SQL on FHIR operations. */
    public enum Level { SYSTEM, PATIENT, GROUP, SQL }

    public enum Status { QUEUED, RUNNING, COMPLETED, FAILED }

    /**
     * What a kick-off asked for, resolved: the types to export (present in the graph), the member patients of a Group
     * (their keys; null at system and Patient level), _since, and the transactionTime (the database's clock
     * at kick-off; resources changed after it are left out).
     */
    public record Request(String url, String base, Level level, List<String> types, List<String> patients, String since,
                          String transactionTime, String owner) {
    }

    /**
     * Who a job belongs to: the client (and user) that kicked it off. Its status, cancel and files answer only them;
     * anyone else gets 404.
     */
    public static String owner(AccessContext access) {
        return access.clientId() + (access.user() == null ? "" : " " + access.user());
    }

    /** The job, when it exists and belongs to {@code access}'s caller. */
    public Optional<Job> get(AccessContext access, String id) {
        Job job = jobs.get(id);
        return job != null && owner(access).equals(job.request.owner()) ? Optional.of(job) : Optional.empty();
    }

    /** One output file: the resources of one type (or an operation's output, named by {@code type}). */
    public record Output(String type, String file, long count) {
    }

    /**
     * An output a job writes that is not a resource type's (a SQL on FHIR view or query, in any format): its file name
     * in the job's directory, and what writes it; {@code cancelled} says when to stop.
     *
     * @see #submit(Request, List)
     */
    public record Part(String name, String file, Writer writer) {
        public interface Writer {
            /** @return the number of rows or resources written */
            long write(Path file, java.util.function.BooleanSupplier cancelled) throws IOException;
        }
    }

    /** A job: the persisted part is written to job.json, the live progress is not. */
    public static final class Job {
        public String id;
        public String created;
        public Request request;
        public volatile Status status = Status.QUEUED;
        public volatile List<Output> outputs = List.of();
        public volatile long errors;
        public volatile String message;
        @JsonIgnore volatile boolean cancelled;
        @JsonIgnore volatile long written;
        @JsonIgnore volatile int typesDone;
        @JsonIgnore volatile String current;

        /** For X-Progress: how far a running job is. */
        public String progress() {
            if (status == Status.QUEUED) return "queued";
            return typesDone + " of " + request.types().size() + " types done, " + written + " resources written"
                    + (current == null ? "" : ", exporting " + current);
        }
    }

    private final FhirContext fhir;
    private final GraphReader reader;
    private final PatientCompartment compartment;
    private final Path dir;
    private final Duration retention;
    private final Duration timeout;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    /** The parts of the jobs that write them (held in memory: a restart fails a queued or running job anyway). */
    private final Map<String, List<Part>> parts = new ConcurrentHashMap<>();
    private final ScheduledExecutorService runner = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("export-job").daemon().factory());

    public ExportJobs(FhirContext fhir, GraphReader reader, PatientCompartment compartment,
                      @Value("${caregraph.export.dir:${caregraph.neo4j.data-dir}/export}") Path dir,
                      @Value("${caregraph.export.retention:24h}") Duration retention,
                      @Value("${caregraph.export.timeout:2h}") Duration timeout) {
        this.fhir = fhir;
        this.reader = reader;
        this.compartment = compartment;
        this.dir = dir.toAbsolutePath();
        this.retention = retention;
        this.timeout = timeout;
        load();
        runner.scheduleWithFixedDelay(this::expire, 1, 60, TimeUnit.MINUTES);
    }

    /** Queues a job; its directory and job.json exist when this returns. */
    public Job submit(Request request) {
        return submit(request, null);
    }

    /**
     * Queues a job whose outputs are {@code parts} (request level {@link Level#SQL}, its types the parts' names),
     * polled, served, kept and cancelled like any export.
     */
    public Job submit(Request request, List<Part> parts) {
        Job job = new Job();
        job.id = UUID.randomUUID().toString();
        job.created = Instant.now().toString();
        job.request = request;
        try {
            Files.createDirectories(dir.resolve(job.id));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        save(job);
        jobs.put(job.id, job);
        if (parts != null) this.parts.put(job.id, List.copyOf(parts));
        runner.execute(() -> run(job));
        return job;
    }

    /** Where the jobs are kept, one directory each. */
    public Path dir() {
        return dir;
    }


    /** A file of a completed job, when it is one of its outputs or its error file. */
    public Optional<Path> file(Job job, String name) {
        if (job.status != Status.COMPLETED) return Optional.empty();
        boolean listed = job.outputs.stream().anyMatch(o -> o.file().equals(name)) || (job.errors > 0 && ERROR_FILE.equals(name));
        return listed ? Optional.of(dir.resolve(job.id).resolve(name)) : Optional.empty();
    }

    /** Cancels a job (stopping it if running) and deletes its files; false when there is no such job. */
    public boolean cancel(AccessContext access, String id) {
        return get(access, id).isPresent() && remove(id);
    }

    private boolean remove(String id) {
        Job job = jobs.remove(id);
        if (job == null) return false;
        synchronized (job) {
            job.cancelled = true;
            // a running job deletes its own files when it notices (it may be writing them now)
            if (job.status != Status.RUNNING) deleteFiles(job.id);
        }
        log.info("Export job {} cancelled", id);
        return true;
    }

    private void run(Job job) {
        synchronized (job) {
            if (job.cancelled) return;
            job.status = Status.RUNNING;
        }
        save(job);
        Request request = job.request;
        Path jobDir = dir.resolve(job.id);
        long started = System.nanoTime();
        List<Part> jobParts = parts.remove(job.id);
        try (ErrorFile errors = new ErrorFile(jobDir.resolve(ERROR_FILE))) {
            List<Output> outputs = new ArrayList<>();
            for (int i = 0; i < request.types().size(); i++) {
                String type = request.types().get(i);
                job.current = type;
                Part part = jobParts == null ? null : jobParts.get(i);
                Path file = jobDir.resolve(part == null ? type + ".ndjson" : part.file());
                long count;
                try {
                    count = part == null ? exportType(job, type, file, errors) : writePart(job, part, file);
                } catch (Cancelled c) {
                    throw c;
                } catch (RuntimeException e) {
                    // the type's part of the file cannot be trusted: it goes, and the error file says so
                    Files.deleteIfExists(file);
                    errors.write(outcome(fhir, OperationOutcome.IssueType.EXCEPTION,
                            type + ": the export of this type failed (" + e.getClass().getSimpleName() + ")"));
                    log.warn("Export job {}: type {} failed: {}", job.id, type, e.getClass().getSimpleName());
                    count = 0;
                }
                if (count > 0) outputs.add(new Output(type, file.getFileName().toString(), count));
                else Files.deleteIfExists(file);
                job.outputs = List.copyOf(outputs);
                job.errors = errors.count();
                job.typesDone++;
                save(job);
            }
            job.current = null;
            job.errors = errors.count();
        } catch (Cancelled c) {
            // cancel() removed the job; its files go below
        } catch (IOException | RuntimeException e) {
            job.message = e.getClass().getSimpleName() + ": " + e.getMessage();
            job.status = Status.FAILED;
            log.warn("Export job {} failed: {}", job.id, e.getClass().getSimpleName());
        }
        if (job.status == Status.FAILED) deleteOutputs(job);
        synchronized (job) {
            if (job.cancelled) {
                deleteFiles(job.id);
                return;
            }
            if (job.status != Status.FAILED) job.status = Status.COMPLETED;
        }
        if (job.errors == 0) deleteQuietly(jobDir.resolve(ERROR_FILE));
        save(job);
        log.info("Export job {} {}: {} resources, {} errors, {} ms", job.id, job.status, job.written, job.errors,
                (System.nanoTime() - started) / 1_000_000);
    }

    private static long writePart(Job job, Part part, Path file) throws IOException {
        long count = part.writer().write(file, () -> job.cancelled);
        if (job.cancelled) throw new Cancelled();
        job.written += count;
        return count;
    }

    /** Streams one type into its file; the read may be retried by the driver, so every attempt starts both files over. */
    private long exportType(Job job, String type, Path file, ErrorFile errors) {
        Request request = job.request;
        Map<String, Object> params = new HashMap<>();
        params.put("type", type);
        params.put("since", request.since());
        params.put("until", request.transactionTime());
        if (request.level() != Level.SYSTEM) params.put("paths", compartment.paths());
        if (request.level() == Level.GROUP) params.put("patients", request.patients());
        String query = switch (request.level()) {
            case SYSTEM -> "export-type";
            case PATIENT -> "export-compartment";
            case GROUP -> "export-group";
            case SQL -> throw new IllegalStateException("a SQL job writes its parts");
        };
        long writtenBefore = job.written;
        ErrorFile.Mark errorsMark = errors.mark();
        // the kick-off kept only types the caller reads at system level: the job reads them as the server's own work
        return reader.stream(AccessContext.service("export " + request.owner()), query, params, timeout, result -> {
            job.written = writtenBefore;
            errors.rewind(errorsMark);
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
                 JsonGenerator gen = JSON.getFactory().createGenerator(out)) {
                gen.setRootValueSeparator(null);
                return writeAll(job, result, gen, errors);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private long writeAll(Job job, Iterator<Record> result, JsonGenerator gen, ErrorFile errors) throws IOException {
        long count = 0;
        while (result.hasNext()) {
            if (job.cancelled) throw new Cancelled();
            Record r = result.next();
            ObjectNode resource = withMeta(r.get("json").asString(null), r.get("versionId").asLong(), r.get("lastUpdated").asString());
            if (resource == null) {
                errors.write(outcome(fhir, OperationOutcome.IssueType.EXCEPTION,
                        r.get("key").asString() + ": could not be exported, its stored JSON is not a resource"));
                continue;
            }
            gen.writeTree(resource);
            gen.writeRaw('\n');
            count++;
            job.written++;
        }
        return count;
    }

    /** The stored JSON with the server's version and time in meta (as a read returns it); null when unreadable. */
    static ObjectNode withMeta(String json, long versionId, String lastUpdated) {
        if (json == null) return null;
        JsonNode tree;
        try {
            tree = JSON.readTree(json);
        } catch (IOException e) {
            return null;
        }
        if (!(tree instanceof ObjectNode resource) || !resource.hasNonNull("resourceType")) return null;
        ObjectNode meta = resource.get("meta") instanceof ObjectNode m ? m : resource.putObject("meta");
        meta.put("versionId", String.valueOf(versionId));
        meta.put("lastUpdated", lastUpdated);
        return resource;
    }

    /** An OperationOutcome with one error issue, as compact JSON (error files, status and kick-off responses). */
    static String outcome(FhirContext fhir, OperationOutcome.IssueType code, String diagnostics) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(code == OperationOutcome.IssueType.INFORMATIONAL
                ? OperationOutcome.IssueSeverity.INFORMATION : OperationOutcome.IssueSeverity.ERROR)
                .setCode(code).setDiagnostics(diagnostics);
        return fhir.newJsonParser().encodeResourceToString(outcome);
    }

    private static final class Cancelled extends RuntimeException {
        Cancelled() {
            super("cancelled", null, false, false);
        }
    }

    /** The job's error file, appended line by line; a retried read rewinds it to where its type began. */
    private static final class ErrorFile implements AutoCloseable {
        private final FileChannel channel;
        private final OutputStream out;
        private long count;

        ErrorFile(Path path) throws IOException {
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            out = Channels.newOutputStream(channel);
        }

        record Mark(long position, long count) {
        }

        Mark mark() {
            try {
                return new Mark(channel.position(), count);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void rewind(Mark mark) {
            try {
                channel.truncate(mark.position());
                channel.position(mark.position());
                count = mark.count();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void write(String line) {
            try {
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                count++;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        long count() {
            return count;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private void save(Job job) {
        Path file = dir.resolve(job.id).resolve(JOB_FILE);
        try {
            Path tmp = file.resolveSibling(JOB_FILE + ".tmp");
            JSON.writeValue(tmp.toFile(), job);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // a cancelled job's directory may be gone already
            if (!job.cancelled) throw new UncheckedIOException(e);
        }
    }

    /** Jobs of an earlier run: kept for their clients (see {@link #failInterrupted}). */
    private void load() {
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> dirs = Files.list(dir)) {
            for (Path d : dirs.toList()) {
                Path file = d.resolve(JOB_FILE);
                if (!Files.isRegularFile(file)) continue;
                Job job = JSON.readValue(file.toFile(), Job.class);
                jobs.put(job.id, job);
            }
        } catch (IOException e) {
            log.warn("Export jobs in {} could not be read: {}", dir, e.getClass().getSimpleName());
        }
    }

    /**
     * Once a server is up, a job found queued or running was interrupted by a stop or a crash: it is failed and its
     * partial files go. Not in one-shot commands, which may share the export directory with a running server (an
     * external Neo4j).
     */
    @EventListener
    public void failInterrupted(ApplicationReadyEvent event) {
        if (event.getApplicationContext() instanceof WebServerApplicationContext) failInterrupted();
    }

    void failInterrupted() {
        for (Job job : jobs.values()) {
            if (job.status == Status.QUEUED || job.status == Status.RUNNING) {
                job.status = Status.FAILED;
                job.message = "the server stopped during the export: start a new one";
                deleteOutputs(job);
                save(job);
                log.info("Export job {} was interrupted by a stop: failed", job.id);
            }
        }
    }

    /** A failed job's files but job.json: no client reads half an export. */
    private void deleteOutputs(Job job) {
        try (Stream<Path> files = Files.list(dir.resolve(job.id))) {
            files.filter(f -> !f.getFileName().toString().equals(JOB_FILE)).forEach(ExportJobs::deleteQuietly);
        } catch (IOException e) {
            log.warn("Export job {}: files not deleted: {}", job.id, e.getClass().getSimpleName());
        }
        job.outputs = List.of();
    }

    /** Deletes finished jobs older than the retention period. */
    void expire() {
        Instant cutoff = Instant.now().minus(retention);
        for (Job job : List.copyOf(jobs.values())) {
            if (job.status != Status.RUNNING && job.status != Status.QUEUED && Instant.parse(job.created).isBefore(cutoff)) {
                remove(job.id);
            }
        }
    }

    private void deleteFiles(String id) {
        Path jobDir = dir.resolve(id);
        if (!Files.exists(jobDir)) return;
        try (Stream<Path> files = Files.walk(jobDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(ExportJobs::deleteQuietly);
        } catch (IOException e) {
            log.warn("Export job {}: files not deleted: {}", id, e.getClass().getSimpleName());
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            log.warn("Export file {} not deleted: {}", p.getFileName(), e.getClass().getSimpleName());
        }
    }

    @Override
    public void destroy() {
        runner.shutdownNow();
    }
}
