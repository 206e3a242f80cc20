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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Asynchronous import jobs (like HealthLake's StartFHIRImportJob): submitted, queued, run one at a time by the single
 * writer, with counts to poll and an NDJSON error report to fetch. Jobs live for the life of the process.
 */
@Component
public class ImportJobs implements DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(ImportJobs.class);

    public enum Status { QUEUED, RUNNING, COMPLETED, COMPLETED_WITH_ERRORS, FAILED }

    /** A job as callers see it. */
    public static final class Job {
        private final String id = UUID.randomUUID().toString();
        private final List<String> inputs;
        private final Instant submitted = Instant.now();
        private final Path errorReport;
        private volatile Status status = Status.QUEUED;
        private volatile Instant started;
        private volatile Instant finished;
        private volatile ImportProgress progress = new ImportProgress(0, 0, 0, 0, 0, 0);
        private volatile String message;

        Job(List<String> inputs, Path workDir) {
            this.inputs = inputs;
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

    public ImportJobs(Importer importer, ImportProperties props, MeterRegistry meters) {
        this.importer = importer;
        this.props = props;
        this.resolver = new InputResolver(props);
        this.meters = meters;
        this.written = resources(meters, "written");
        this.unchanged = resources(meters, "unchanged");
        this.rejected = resources(meters, "rejected");
        // every outcome from the start, at 0: a dashboard shows "no failed jobs" rather than no data
        for (Status s : List.of(Status.COMPLETED, Status.COMPLETED_WITH_ERRORS, Status.FAILED)) jobs(s);
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
        return queue(inputs.stream().map(ImportInput::name).toList(), List.of(new InputResolver.Files_(inputs)));
    }

    private Job queue(List<String> names, List<InputResolver.Resolved> resolved) {
        Job job = new Job(names, props.workDir());
        jobs.put(job.id, job);
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
            job.message = e.getMessage();
            job.status = Status.FAILED;
            log.warn("Import job {} failed: {}", job.id, e.getClass().getSimpleName());
        } finally {
            job.finished = Instant.now();
            jobs(job.status).increment();
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

    @Override
    public void destroy() {
        runner.shutdownNow();
    }
}
