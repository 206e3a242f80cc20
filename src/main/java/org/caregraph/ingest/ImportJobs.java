package org.caregraph.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Comparator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Asynchronous import jobs (like HealthLake's StartFHIRImportJob): submitted, queued, run one at a time by the single
 * writer, with counts to poll and an NDJSON error report to fetch. Each job is kept as a file in the work directory
 * ({@code import-<id>.json}, beside its error report) for the retention period, so it survives a restart: a job a stop
 * or a crash interrupted (queued or running) runs again from the start once the server is up, under the same id. That
 * converges: the importer skips resources whose content is stored already (no new version), so nothing is lost or
 * doubled.
 */
@Component
public class ImportJobs implements DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(ImportJobs.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public enum Status { QUEUED, RUNNING, COMPLETED, COMPLETED_WITH_ERRORS, FAILED }

    /** A job as callers see it. */
    public static final class Job {
        private final String id;
        private final List<String> inputs;
        /** for a trusted job (files named on the command line): the files themselves, run again as they are */
        private final List<ImportInput> trustedFiles;
        private final Instant submitted;
        private final Path errorReport;
        private volatile Status status = Status.QUEUED;
        private volatile Instant started;
        private volatile Instant finished;
        private volatile ImportProgress progress = new ImportProgress(0, 0, 0, 0, 0, 0);
        private volatile String message;
        private volatile int resumed;

        Job(List<String> inputs, List<ImportInput> trustedFiles, Path workDir) {
            this(UUID.randomUUID().toString(), inputs, trustedFiles, Instant.now(), workDir);
        }

        private Job(String id, List<String> inputs, List<ImportInput> trustedFiles, Instant submitted, Path workDir) {
            this.id = id;
            this.inputs = inputs;
            this.trustedFiles = trustedFiles;
            this.submitted = submitted;
            this.errorReport = workDir.resolve("import-" + id + "-errors.ndjson");
        }

        public String id() { return id; }
        public List<String> inputs() { return inputs; }
        public Instant submitted() { return submitted; }
        public Status status() { return status; }
        public Instant started() { return started; }
        public Instant finished() { return finished; }
        public ImportProgress progress() { return progress; }
        public String message() { return message; }
        public Path errorReport() { return errorReport; }
        /** How many times a restart ran this job again. */
        public int resumed() { return resumed; }

        boolean done() {
            return status != Status.QUEUED && status != Status.RUNNING;
        }
    }

    /** A job as its file keeps it. */
    record Saved(String id, List<String> inputs, List<SavedFile> trustedFiles, String submitted, Status status,
                 String started, String finished, ImportProgress progress, String message, int resumed) {
        static Saved of(Job j) {
            return new Saved(j.id, j.inputs, j.trustedFiles == null ? null
                    : j.trustedFiles.stream().map(f -> new SavedFile(f.path().toAbsolutePath().toString(), f.name())).toList(),
                    j.submitted.toString(), j.status, str(j.started), str(j.finished), j.progress, j.message, j.resumed);
        }

        Job job(Path workDir) {
            Job j = new Job(id, inputs, trustedFiles == null ? null
                    : trustedFiles.stream().map(f -> new ImportInput(Path.of(f.path()), f.name())).toList(),
                    Instant.parse(submitted), workDir);
            j.status = status;
            j.started = started == null ? null : Instant.parse(started);
            j.finished = finished == null ? null : Instant.parse(finished);
            if (progress != null) j.progress = progress;
            j.message = message;
            j.resumed = resumed;
            return j;
        }

        private static String str(Instant t) {
            return t == null ? null : t.toString();
        }
    }

    record SavedFile(String path, String name) {
    }

    private final Importer importer;
    private final ImportProperties props;
    private final InputResolver resolver;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final ExecutorService runner = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("import-job").factory());
    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER) // a redirect could leave the allowed prefixes
            .connectTimeout(Duration.ofSeconds(20)).build();

    private final MeterRegistry meters;
    /** resources of import jobs by outcome, counted as the jobs go (their rate is the import rate) */
    private final Counter written;
    private final Counter unchanged;
    private final Counter rejected;
    private final Duration retention;
    /** set when the application stops: an interrupted job then stays unfinished in its file, to run again */
    private volatile boolean stopping;

    public ImportJobs(Importer importer, ImportProperties props, MeterRegistry meters,
                      @Value("${caregraph.import.retention:24h}") Duration retention) {
        this.importer = importer;
        this.props = props;
        this.resolver = new InputResolver(props);
        this.meters = meters;
        this.written = resources(meters, "written");
        this.unchanged = resources(meters, "unchanged");
        this.rejected = resources(meters, "rejected");
        // every outcome from the start, at 0: a dashboard shows "no failed jobs" rather than no data
        for (Status s : List.of(Status.COMPLETED, Status.COMPLETED_WITH_ERRORS, Status.FAILED)) jobs(s);
        this.retention = retention;
        load();
    }

    private Counter jobs(Status status) {
        return Counter.builder("caregraph.import.jobs").tag("status", status.name())
                .description("Import jobs finished, by outcome").register(meters);
    }

    private static Counter resources(MeterRegistry meters, String outcome) {
        return Counter.builder("caregraph.import.resources").tag("outcome", outcome)
                .description("Resources read by import jobs: written (new or changed), unchanged, rejected").register(meters);
    }

    /** Counts what an import did since its previous progress report. */
    private void count(ImportProgress before, ImportProgress now) {
        written.increment(now.written() - before.written());
        unchanged.increment(now.unchanged() - before.unchanged());
        rejected.increment(now.failed() - before.failed());
    }

    /**
     * Validates a caller's inputs against the confinement rules and queues the job.
     *
     * @throws IllegalArgumentException with the reason when an input is refused (nothing is queued then)
     */
    public Job submit(List<String> inputs) {
        if (inputs == null || inputs.isEmpty()) throw new IllegalArgumentException("no inputs given");
        List<InputResolver.Resolved> resolved = new ArrayList<>();
        for (String input : inputs) {
            try {
                resolved.add(resolver.resolve(input));
            } catch (InputResolver.Refused e) {
                throw new IllegalArgumentException(e.getMessage());
            }
        }
        return queue(List.copyOf(inputs), resolved);
    }

    /** Queues an import of files the operator named on the command line (trusted: not confined to the root). */
    public Job submitTrusted(List<ImportInput> inputs) {
        Job job = new Job(inputs.stream().map(ImportInput::name).toList(), List.copyOf(inputs), props.workDir());
        return queue(job, List.of(new InputResolver.Files_(inputs)));
    }

    private Job queue(List<String> names, List<InputResolver.Resolved> resolved) {
        return queue(new Job(names, null, props.workDir()), resolved);
    }

    private Job queue(Job job, List<InputResolver.Resolved> resolved) {
        jobs.put(job.id, job);
        save(job);
        runner.submit(() -> run(job, resolved));
        return job;
    }

    public Optional<Job> get(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    public Collection<Job> list() {
        return jobs.values();
    }

    private void run(Job job, List<InputResolver.Resolved> resolved) {
        job.started = Instant.now();
        job.status = Status.RUNNING;
        save(job);
        List<Path> downloads = new ArrayList<>();
        try (ErrorReport errors = new ErrorReport(job.errorReport)) {
            List<ImportInput> inputs = new ArrayList<>();
            for (InputResolver.Resolved r : resolved) {
                switch (r) {
                    case InputResolver.Files_ f -> inputs.addAll(f.inputs());
                    case InputResolver.Url u -> {
                        Path file = download(u, job);
                        downloads.add(file);
                        inputs.add(new ImportInput(file, u.uri().toString()));
                    }
                }
            }
            ImportProgress[] counted = {new ImportProgress(0, 0, 0, 0, 0, 0)};
            ImportProgress done = importer.run(inputs, errors, p -> {
                job.progress = p;
                count(counted[0], p);
                counted[0] = p;
            });
            count(counted[0], done);
            job.progress = done;
            job.status = done.failed() > 0 ? Status.COMPLETED_WITH_ERRORS : Status.COMPLETED;
        } catch (Exception e) {
            if (!stopping) {
                job.message = e.getMessage();
                job.status = Status.FAILED;
                log.warn("Import job {} failed: {}", job.id, e.getClass().getSimpleName());
            }
        } finally {
            // a job the stop interrupted stays RUNNING in its file: the next start runs it again
            if (!stopping) {
                job.finished = Instant.now();
                jobs(job.status).increment();
                save(job);
            }
            for (Path p : downloads) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a leftover download is only disk space
                }
            }
        }
    }

    private Path download(InputResolver.Url url, Job job) throws IOException, InterruptedException {
        Files.createDirectories(props.workDir());
        Path file = Files.createTempFile(props.workDir(), "import-" + job.id + "-", ".download");
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(url.uri()).timeout(Duration.ofMinutes(30))
                .header("Accept", "application/fhir+ndjson, application/fhir+json, application/json").GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            if (response.statusCode() != 200) throw new IOException("GET " + url.uri() + " answered " + response.statusCode());
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    /** Keeps the job's state in its file (written aside and moved over, so a crash leaves the old or the new one). */
    private void save(Job job) {
        try {
            Files.createDirectories(props.workDir());
            Path file = jobFile(job.id);
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), Saved.of(job));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("Import job {}: its state could not be saved ({})", job.id, e.getClass().getSimpleName());
        }
    }

    private Path jobFile(String id) {
        return props.workDir().resolve("import-" + id + ".json");
    }

    /** Jobs of earlier runs: finished ones kept for the retention period, interrupted ones to run again (see {@link #resume}). */
    private void load() {
        if (!Files.isDirectory(props.workDir())) return;
        Instant cutoff = Instant.now().minus(retention);
        try (var files = Files.list(props.workDir())) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("import-[0-9a-f-]+\\.json")).toList()) {
                try {
                    Job job = JSON.readValue(f.toFile(), Saved.class).job(props.workDir());
                    if (job.done() && job.finished != null && job.finished.isBefore(cutoff)) {
                        Files.deleteIfExists(job.errorReport);
                        Files.deleteIfExists(f);
                    } else {
                        jobs.put(job.id, job);
                    }
                } catch (IOException | RuntimeException e) {
                    log.warn("Import job file {} could not be read: {}", f.getFileName(), e.getClass().getSimpleName());
                }
            }
        } catch (IOException e) {
            log.warn("Import jobs in {} could not be listed: {}", props.workDir(), e.getClass().getSimpleName());
        }
    }

    /**
     * Once a server is up (not in one-shot commands), jobs an earlier run left queued or running run again, from the
     * start: their files are read again (a caller's inputs resolved again under the same rules), what is stored
     * already is skipped.
     */
    @EventListener
    public void resume(ApplicationReadyEvent event) {
        if (!(event.getApplicationContext() instanceof WebServerApplicationContext)) return;
        for (Job job : jobs.values().stream().filter(j -> !j.done()).sorted(Comparator.comparing(Job::submitted)).toList()) {
            job.resumed++;
            job.status = Status.QUEUED;
            job.message = "resumed after a restart";
            try {
                List<InputResolver.Resolved> resolved = new ArrayList<>();
                if (job.trustedFiles != null) resolved.add(new InputResolver.Files_(job.trustedFiles));
                else for (String input : job.inputs) resolved.add(resolver.resolve(input));
                save(job);
                runner.submit(() -> run(job, resolved));
                log.info("Import job {} resumed after a restart", job.id);
            } catch (InputResolver.Refused e) {
                job.status = Status.FAILED;
                job.message = "could not resume after a restart: " + e.getMessage();
                job.finished = Instant.now();
                save(job);
            }
        }
    }

    @Override
    public void destroy() {
        stopping = true;
        runner.shutdownNow();
    }
}
