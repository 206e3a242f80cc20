package org.caregraph.fhir.export;

import ca.uhn.fhir.context.FhirContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.caregraph.fhir.ResourceMatcher;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.PatientCompartment;
import org.caregraph.security.AccessContext;
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
 * through {@link GraphReader} into one NDJSON file per type: the stored JSON as it is, with the server's
 * meta.versionId and meta.lastUpdated (then cut to {@code _elements}, attachment URLs made absolute), one resource in
 * memory at a time. Each type is read by a query composed of a start fragment (system: the type; Patient level: its
 * compartment; a patient list or Group: those patients' compartments; {@code _typeFilter}: the keys the FHIR
 * searches matched, run as the kick-off's caller), {@code export-current} (current versions up to the
 * transactionTime, since {@code _since}) and {@code export-return}; {@code includeAssociatedData} adds the Provenance
 * of what was exported. A resource that cannot be written goes to an error file of OperationOutcomes instead, after
 * the warnings of a lenient kick-off. A job is a directory under the export dir (job.json, the NDJSON files): a
 * finished one survives a restart, one the restart interrupted is failed and its partial files deleted; it is deleted
 * after the retention period (and answers 404 from then on), or when the client cancels it.
 */
@Component
public class ExportJobs implements DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(ExportJobs.class);
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    static final String ERROR_FILE = "errors.ndjson";
    static final String ASSOCIATED_FILE = "Provenance.associated.ndjson";
    private static final String JOB_FILE = "job.json";
    private static final String PROVENANCE = "Provenance";

    /** What a job exports: resources at system, Patient or Group level, or the outputs of SQL on FHIR operations. */
    public enum Level { SYSTEM, PATIENT, GROUP, SQL }

    public enum Status { QUEUED, RUNNING, COMPLETED, FAILED }

    /**
     * includeAssociatedData for Provenance: NONE exports Provenance as a type like any other; RELEVANT adds every
     * Provenance targeting an exported resource, LATEST only the most recent one per resource (and no others).
     */
    public enum Associated { NONE, RELEVANT, LATEST }

    /** A kick-off problem passed over under {@code Prefer: handling=lenient}: a warning in the error file. */
    public record Note(String code, String diagnostics) {
    }

    /**
     * What a kick-off asked for, resolved: the types to export (present in the graph), the patients whose
     * compartments bound a Patient- or Group-level export (their keys; null: every patient), _since, the
     * transactionTime (the database's clock at kick-off; resources changed after it are left out), the owner, the
     * _typeFilter queries per type (OR-ed; a type without any is not filtered), the _elements kept (null: all),
     * includeAssociatedData, and the notes of a lenient kick-off.
     */
    public record Request(String url, String base, Level level, List<String> types, List<String> patients, String since,
                          String transactionTime, String owner, Map<String, List<String>> typeFilters,
                          List<String> elements, Associated associated, List<Note> notes) {
        public Request {
            typeFilters = typeFilters == null ? Map.of() : typeFilters;
            associated = associated == null ? Associated.NONE : associated;
            notes = notes == null ? List.of() : notes;
        }

        /** A request with nothing but types, patients and _since (the others at their defaults). */
        public Request(String url, String base, Level level, List<String> types, List<String> patients, String since,
                       String transactionTime, String owner) {
            this(url, base, level, types, patients, since, transactionTime, owner, null, null, null, null);
        }
    }

    /**
     * Who a job belongs to: the client (and user) that kicked it off. Its status, cancel and files answer only them;
     * anyone else gets 404.
     */
    public static String owner(AccessContext access) {
        return access.clientId() + (access.user() == null ? "" : " " + access.user());
    }

    /** The job, when it exists, has not expired, and belongs to {@code access}'s caller. */
    public Optional<Job> get(AccessContext access, String id) {
        Job job = jobs.get(id);
        if (job == null || !owner(access).equals(job.request.owner())) return Optional.empty();
        if (expired(job)) {
            remove(id);
            return Optional.empty();
        }
        return Optional.of(job);
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
        /** when it finished (completed or failed): its files are kept for the retention period from then */
        public volatile String finished;
        public Request request;
        public volatile Status status = Status.QUEUED;
        public volatile List<Output> outputs = List.of();
        public volatile long errors;
        public volatile String message;
        @JsonIgnore volatile boolean cancelled;
        @JsonIgnore volatile long written;
        @JsonIgnore volatile int typesDone;
        @JsonIgnore volatile String current;
        /** the kick-off caller's context (a fresh copy): what the _typeFilter searches run as */
        @JsonIgnore volatile AccessContext access;

        /** For X-Progress: how far a running job is (under 100 characters, as the IG asks). */
        public String progress() {
            if (status == Status.QUEUED) return "queued";
            int total = request.types().size() + (request.associated() == Associated.NONE ? 0 : 1);
            String text = typesDone + " of " + total + " types done, " + written + " resources"
                    + (current == null ? "" : ", exporting " + current);
            return text.length() < 100 ? text : text.substring(0, 99);
        }
    }

    private final FhirContext fhir;
    private final GraphReader reader;
    private final PatientCompartment compartment;
    private final ResourceMatcher matcher;
    private final ExportAttachments attachments;
    private final Path dir;
    private final Duration retention;
    private final Duration timeout;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    /** The parts of the jobs that write them (held in memory: a restart fails a queued or running job anyway). */
    private final Map<String, List<Part>> parts = new ConcurrentHashMap<>();
    private final ScheduledExecutorService runner = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("export-job").daemon().factory());

    private final MeterRegistry meters;
    /** resources written into export files, counted as they go (their rate is the export rate) */
    private final Counter exported;

    public ExportJobs(FhirContext fhir, GraphReader reader, PatientCompartment compartment, ResourceMatcher matcher,
                      @Value("${caregraph.export.dir:${caregraph.neo4j.data-dir}/export}") Path dir,
                      @Value("${caregraph.export.retention:24h}") Duration retention,
                      @Value("${caregraph.export.timeout:2h}") Duration timeout, MeterRegistry meters) {
        this.meters = meters;
        this.exported = Counter.builder("caregraph.export.resources")
                .description("Resources written into Bulk $export files").register(meters);
        // every outcome from the start, at 0: a dashboard shows "no failed jobs" rather than no data
        for (Status s : List.of(Status.COMPLETED, Status.FAILED)) jobs(s);
        this.fhir = fhir;
        this.reader = reader;
        this.compartment = compartment;
        this.matcher = matcher;
        this.attachments = new ExportAttachments(fhir);
        this.dir = dir.toAbsolutePath();
        this.retention = retention;
        this.timeout = timeout;
        load();
        runner.scheduleWithFixedDelay(this::expire, 1, 60, TimeUnit.MINUTES);
    }

    /**
     * Queues a job; its directory and job.json exist when this returns. {@code access} is the kick-off's caller: the
     * job's _typeFilter searches are confined as it is.
     */
    public Job submit(Request request, AccessContext access) {
        return submit(request, access, null);
    }

    /**
     * Queues a job whose outputs are {@code parts} (request level {@link Level#SQL}, its types the parts' names),
     * polled, served, kept and cancelled like any export.
     */
    public Job submit(Request request, List<Part> parts) {
        return submit(request, null, parts);
    }

    private Job submit(Request request, AccessContext access, List<Part> parts) {
        Job job = new Job();
        job.id = UUID.randomUUID().toString();
        job.created = Instant.now().toString();
        job.request = request;
        job.access = access == null ? null : access.fresh();
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

    /** When a finished job's files go (the retention period after it finished); null while it runs. */
    public Instant expires(Job job) {
        if (job.status == Status.QUEUED || job.status == Status.RUNNING) return null;
        // a job.json written before jobs kept their end: from its start
        return Instant.parse(job.finished != null ? job.finished : job.created).plus(retention);
    }

    private boolean expired(Job job) {
        Instant expires = expires(job);
        return expires != null && !Instant.now().isBefore(expires);
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
        log.info("Export job {} removed", id);
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
        ExportElements elements = ExportElements.of(fhir, request.elements());
        List<Part> jobParts = parts.remove(job.id);
        try (NdjsonFile errors = new NdjsonFile(jobDir.resolve(ERROR_FILE))) {
            for (Note note : request.notes()) {
                errors.write(outcome(fhir, OperationOutcome.IssueSeverity.WARNING,
                        OperationOutcome.IssueType.fromCode(note.code()), note.diagnostics()));
            }
            List<Output> outputs = new ArrayList<>();
            // the Provenance the type pass wrote: the associated pass does not write them twice
            Set<String> provenance = new HashSet<>();
            for (int i = 0; i < request.types().size(); i++) {
                String type = request.types().get(i);
                job.current = type;
                Part part = jobParts == null ? null : jobParts.get(i);
                Path file = jobDir.resolve(part == null ? type + ".ndjson" : part.file());
                long count = guarded(job, type, errors, () -> part != null ? writePart(job, part, file)
                        : exportType(job, type, file, errors, elements, PROVENANCE.equals(type) ? provenance : null));
                if (count > 0) outputs.add(new Output(type, file.getFileName().toString(), count));
                else Files.deleteIfExists(file);
                job.outputs = List.copyOf(outputs);
                job.errors = errors.count();
                job.typesDone++;
                save(job);
            }
            if (request.associated() != Associated.NONE) {
                job.current = "associated " + PROVENANCE;
                Path file = jobDir.resolve(ASSOCIATED_FILE);
                long count = 0;
                try (NdjsonFile associated = new NdjsonFile(file)) {
                    for (String type : request.types()) {
                        if (PROVENANCE.equals(type)) continue;
                        count += guarded(job, "Provenance of " + type, errors,
                                () -> exportAssociated(job, type, associated, provenance, errors, elements));
                    }
                }
                if (count > 0) outputs.add(new Output(PROVENANCE, ASSOCIATED_FILE, count));
                else Files.deleteIfExists(file);
                job.outputs = List.copyOf(outputs);
                job.typesDone++;
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
            job.finished = Instant.now().toString();
        }
        if (job.errors == 0) deleteQuietly(jobDir.resolve(ERROR_FILE));
        save(job);
        jobs(job.status).increment();
        log.info("Export job {} {}: {} resources, {} errors, {} ms", job.id, job.status, job.written, job.errors,
                (System.nanoTime() - started) / 1_000_000);
    }

    /** Writes a SQL on FHIR part; what it wrote goes when it fails (as a type's file does). */
    private static long writePart(Job job, Part part, Path file) {
        try {
            long count = part.writer().write(file, () -> job.cancelled);
            if (job.cancelled) throw new Cancelled();
            job.written += count;
            return count;
        } catch (IOException e) {
            deleteQuietly(file);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            deleteQuietly(file);
            throw e;
        }
    }

    /**
     * One part of a job (a type, or the Provenance of a type): when it fails, what it wrote cannot be trusted (the part
     * cleans up after itself), and the error file says so; the job goes on.
     */
    private long guarded(Job job, String part, NdjsonFile errors, java.util.function.LongSupplier export) {
        try {
            return export.getAsLong();
        } catch (Cancelled c) {
            throw c;
        } catch (RuntimeException e) {
            errors.write(outcome(fhir, OperationOutcome.IssueSeverity.ERROR, OperationOutcome.IssueType.EXCEPTION,
                    part + ": the export failed (" + e.getClass().getSimpleName() + ")"));
            log.warn("Export job {}: {} failed: {}", job.id, part, e.getClass().getSimpleName());
            return 0;
        }
    }

    /**
     * The query that binds the resources of {@code type} the job exports ({@code START+export-current}) and its
     * parameters; null when a _typeFilter matched nothing.
     */
    private Map.Entry<String, Map<String, Object>> selection(Job job, String type) {
        Request request = job.request;
        Map<String, Object> params = new HashMap<>();
        params.put("type", type);
        params.put("since", request.since());
        params.put("until", request.transactionTime());
        params.put("paths", request.level() == Level.SYSTEM ? null : compartment.paths());
        params.put("patients", request.patients());
        String start;
        List<String> filters = request.typeFilters().get(type);
        if (filters != null) {
            // the FHIR searches run as the kick-off's caller; a resource matched by any of them is exported
            Set<String> keys = new LinkedHashSet<>();
            for (String query : filters) keys.addAll(matcher.match(job.access, type, query, Integer.MAX_VALUE));
            params.put("keys", List.copyOf(keys));
            start = "export-keys";
        } else if (request.level() == Level.SYSTEM) {
            start = "export-type";
        } else if (PROVENANCE.equals(type)) {
            start = "export-provenance-compartment";
        } else {
            start = request.patients() != null ? "export-group" : "export-compartment";
        }
        return Map.entry(start + "+export-current", params);
    }

    /** Streams one type into its file; the read may be retried by the driver, so every attempt starts both files over. */
    private long exportType(Job job, String type, Path file, NdjsonFile errors, ExportElements elements, Set<String> keys) {
        Map.Entry<String, Map<String, Object>> selection = selection(job, type);
        long writtenBefore = job.written;
        NdjsonFile.Mark errorsMark = errors.mark();
        try {
            // the kick-off kept only types the caller reads at system level: the job reads them as the server's own work
            return reader.stream(service(job), selection.getKey() + "+export-return", selection.getValue(), timeout, result -> {
                job.written = writtenBefore;
                errors.rewind(errorsMark);
                if (keys != null) keys.clear();
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
                     JsonGenerator gen = JSON.getFactory().createGenerator(out)) {
                    gen.setRootValueSeparator(null);
                    long count = 0;
                    while (result.hasNext()) {
                        String line = prepare(job, result.next(), errors, elements, keys);
                        if (line == null) continue;
                        gen.writeRaw(line);
                        gen.writeRaw('\n');
                        count++;
                    }
                    return count;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (RuntimeException e) {
            deleteQuietly(file);
            throw e;
        }
    }

    /**
     * Appends the Provenance of the exported resources of {@code type} (those not written yet) to {@code out}; a
     * retried read rewinds it, the error file and the keys seen to where this type began.
     */
    private long exportAssociated(Job job, String type, NdjsonFile out, Set<String> seen, NdjsonFile errors,
                                  ExportElements elements) {
        Map.Entry<String, Map<String, Object>> selection = selection(job, type);
        Map<String, Object> params = new HashMap<>(selection.getValue());
        params.put("perResource", job.request.associated() == Associated.LATEST ? 1 : Integer.MAX_VALUE);
        long writtenBefore = job.written;
        NdjsonFile.Mark mark = out.mark();
        NdjsonFile.Mark errorsMark = errors.mark();
        Set<String> added = new HashSet<>();
        try {
            return reader.stream(service(job), selection.getKey() + "+export-associated+export-return", params, timeout, result -> {
                job.written = writtenBefore;
                out.rewind(mark);
                errors.rewind(errorsMark);
                seen.removeAll(added);
                added.clear();
                long count = 0;
                while (result.hasNext()) {
                    Record r = result.next();
                    if (seen.contains(r.get("key").asString())) continue;
                    String line = prepare(job, r, errors, elements, added);
                    if (line == null) continue;
                    out.write(line);
                    count++;
                }
                seen.addAll(added);
                return count;
            });
        } catch (RuntimeException e) {
            out.rewind(mark);
            seen.removeAll(added);
            throw e;
        }
    }

    private static AccessContext service(Job job) {
        return AccessContext.service("export " + job.request.owner());
    }

    /**
     * A row as it is written, one NDJSON line: the stored JSON with the server's meta, attachment URLs absolute, cut to
     * _elements; null (and an entry in the error file) when the stored JSON is not a resource. Its key goes to
     * {@code keys} if given. Without _elements, for a type that cannot hold an Attachment, the meta is spliced into the
     * stored text ({@link #spliceMeta}): parsing and writing each resource again was a third of an export's time.
     */
    private String prepare(Job job, Record r, NdjsonFile errors, ExportElements elements, Set<String> keys) {
        if (job.cancelled) throw new Cancelled();
        String type = r.get("type").asString();
        String json = r.get("json").asString(null);
        long versionId = r.get("versionId").asLong();
        String lastUpdated = r.get("lastUpdated").asString(null);
        String line = elements == null && !attachments.possible(type) ? spliceMeta(json, versionId, lastUpdated) : null;
        if (line == null) {
            ObjectNode resource = withMeta(json, versionId, lastUpdated);
            if (resource == null) {
                errors.write(outcome(fhir, OperationOutcome.IssueSeverity.ERROR, OperationOutcome.IssueType.EXCEPTION,
                        r.get("key").asString() + ": could not be exported, its stored JSON is not a resource"));
                return null;
            }
            attachments.absolutize(type, resource, job.request.base() + "/fhir");
            if (elements != null) elements.apply(type, resource);
            line = resource.toString();
        }
        if (keys != null) keys.add(r.get("key").asString());
        job.written++;
        exported.increment();
        return line;
    }

    /**
     * {@link #withMeta} as text, without parsing, for JSON in the form the server stores (HAPI's compact encoding on one
     * line: resourceType, id, then meta when there is one): the version and time go first in meta, where HAPI puts
     * them. Null, for withMeta to answer, when the text is in any other form or already names a version or a time.
     */
    static String spliceMeta(String json, long versionId, String lastUpdated) {
        if (json == null || lastUpdated == null || !json.startsWith("{\"resourceType\":\"") || json.indexOf('\n') >= 0
                || json.indexOf('\r') >= 0 || json.contains("\"versionId\"") || json.contains("\"lastUpdated\"")) return null;
        int typeEnd = plainEnd(json, 17);
        if (typeEnd < 0 || !json.startsWith(",\"id\":\"", typeEnd + 1)) return null;
        int idEnd = plainEnd(json, typeEnd + 8);
        if (idEnd < 0) return null;
        int at = idEnd + 1;
        String fields = "\"versionId\":\"" + versionId + "\",\"lastUpdated\":\"" + lastUpdated + "\"";
        if (json.startsWith(",\"meta\":{}", at)) return json.substring(0, at + 9) + fields + json.substring(at + 9);
        if (json.startsWith(",\"meta\":{\"", at)) return json.substring(0, at + 9) + fields + "," + json.substring(at + 9);
        if (json.startsWith(",\"meta\"", at) || json.charAt(at) != ',' && json.charAt(at) != '}') return null;
        return json.substring(0, at) + ",\"meta\":{" + fields + "}" + json.substring(at);
    }

    /** The index of the quote closing a string of letters, digits, '-' and '.' starting at {@code from}; -1 otherwise. */
    private static int plainEnd(String json, int from) {
        for (int i = from; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '"') return i > from ? i : -1;
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.')) return -1;
        }
        return -1;
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

    /** An OperationOutcome with one error issue, as compact JSON (status and kick-off responses). */
    static String outcome(FhirContext fhir, OperationOutcome.IssueType code, String diagnostics) {
        return outcome(fhir, code == OperationOutcome.IssueType.INFORMATIONAL
                ? OperationOutcome.IssueSeverity.INFORMATION : OperationOutcome.IssueSeverity.ERROR, code, diagnostics);
    }

    /** An OperationOutcome with one issue, as compact JSON (a line of the error file). */
    static String outcome(FhirContext fhir, OperationOutcome.IssueSeverity severity, OperationOutcome.IssueType code,
                          String diagnostics) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(severity).setCode(code).setDiagnostics(diagnostics);
        return fhir.newJsonParser().encodeResourceToString(outcome);
    }

    private static final class Cancelled extends RuntimeException {
        Cancelled() {
            super("cancelled", null, false, false);
        }
    }

    /** An NDJSON file appended line by line (the error file, the associated Provenance); a retried read rewinds it. */
    private static final class NdjsonFile implements AutoCloseable {
        private final FileChannel channel;
        private final OutputStream out;
        private long count;

        NdjsonFile(Path path) throws IOException {
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

    /**
     * Jobs of an earlier run: kept for their clients; one the stop interrupted is failed, and what it had written is
     * deleted (never served half-written).
     */
    private void load() {
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> dirs = Files.list(dir)) {
            for (Path d : dirs.toList()) {
                Path file = d.resolve(JOB_FILE);
                if (!Files.isRegularFile(file)) continue;
                Job job = JSON.readValue(file.toFile(), Job.class);
                if (job.status == Status.QUEUED || job.status == Status.RUNNING) {
                    job.status = Status.FAILED;
                    job.message = "the server stopped during the export";
                    job.finished = Instant.now().toString();
                    try (Stream<Path> files = Files.list(d)) {
                        files.filter(f -> !f.getFileName().toString().startsWith(JOB_FILE)).forEach(ExportJobs::deleteQuietly);
                    }
                    save(job);
                }
                jobs.put(job.id, job);
            }
        } catch (IOException e) {
            log.warn("Export jobs in {} could not be read: {}", dir, e.getClass().getSimpleName());
        }
    }

    /** Deletes the jobs that finished longer than the retention period ago. */
    void expire() {
        for (Job job : List.copyOf(jobs.values())) {
            if (expired(job)) remove(job.id);
        }
    }

    /** A failed job's files but job.json: no client reads half an export. */
    private void deleteOutputs(Job job) {
        try (Stream<Path> files = Files.list(dir.resolve(job.id))) {
            files.filter(f -> !f.getFileName().toString().startsWith(JOB_FILE)).forEach(ExportJobs::deleteQuietly);
        } catch (IOException e) {
            log.warn("Export job {}: files not deleted: {}", job.id, e.getClass().getSimpleName());
        }
        job.outputs = List.of();
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

    private Counter jobs(Status status) {
        return Counter.builder("caregraph.export.jobs").tag("status", status.name())
                .description("Bulk $export jobs finished, by outcome").register(meters);
    }
}
