package org.caregraph.sql;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.caregraph.fhir.FhirAccess;
import org.caregraph.fhir.FhirOperations;
import org.caregraph.fhir.export.ExportJobs;
import org.caregraph.graph.GraphReader;
import org.caregraph.security.Access;
import org.caregraph.security.CareGraphScope;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Library;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The SQL on FHIR operations on /fhir. {@code $viewdefinition-run} (system, {@code ViewDefinition} type and instance)
 * runs a view — stored, referenced by canonical URL (a built-in view's too), or sent inline — over the server's data
 * ({@code patient}, {@code group}, {@code _since}) or over resources sent with it; {@code $sqlquery-run} (system,
 * {@code Library} type and instance) runs a SQLQuery Library's SQL over the store's tables its depends-on labels name,
 * with its declared parameters bound by value; both answer json, ndjson, csv or parquet ({@code _format}, default
 * ndjson), at most {@code _limit} rows. {@code $viewdefinition-export} and {@code $sqlquery-export} do the same
 * asynchronously through the Bulk export jobs (202, then /export/{id}). {@code $sql-run}, the newer ballot's single
 * operation, takes its subject (a ViewDefinition or a SQLQuery Library) by canonical, reference or inline and runs
 * it on the same code path.
 */
@Component
class SqlOperations implements FhirOperations {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LITERAL = Pattern.compile("(?:.*/)?(ViewDefinition|Library)/([A-Za-z0-9\\-.]{1,64})(?:/_history/.*)?");

    private final FhirContext fhir;
    private final GraphReader graph;
    private final ViewCompiler compiler;
    private final BuiltInViews builtIns;
    private final SqlStore store;
    private final SqlQueries queries;
    private final ViewRuns runs;
    private final ExportJobs jobs;
    private final long maxRows;
    private final Duration timeout;

    SqlOperations(FhirContext fhir, GraphReader graph, ViewCompiler compiler, BuiltInViews builtIns, SqlStore store,
                  SqlQueries queries, ViewRuns runs, ExportJobs jobs,
                  @Value("${caregraph.sql.max-limit:1000000}") long maxRows,
                  @Value("${caregraph.sql.max-timeout:300s}") Duration timeout) {
        this.fhir = fhir;
        this.graph = graph;
        this.compiler = compiler;
        this.builtIns = builtIns;
        this.store = store;
        this.queries = queries;
        this.runs = runs;
        this.jobs = jobs;
        this.maxRows = maxRows;
        this.timeout = timeout;
    }

    // ---- $viewdefinition-run

    @Operation(name = "$viewdefinition-run", idempotent = true, manualRequest = true, manualResponse = true)
    public void viewRun(ServletRequestDetails request) throws IOException {
        OperationInput in = input(request);
        runView(viewOf(in, "viewReference", "viewResource"), in, request);
    }

    @Operation(name = "$viewdefinition-run", idempotent = true, manualRequest = true, manualResponse = true,
            type = ViewDefinitionResource.class)
    public void viewTypeRun(ServletRequestDetails request) throws IOException {
        viewRun(request);
    }

    @Operation(name = "$viewdefinition-run", idempotent = true, manualRequest = true, manualResponse = true,
            type = ViewDefinitionResource.class)
    public void viewInstanceRun(@IdParam IdType id, ServletRequestDetails request) throws IOException {
        runView(compile(stored("ViewDefinition/" + id.getIdPart())), input(request), request);
    }

    private void runView(ViewDefinition view, OperationInput in, ServletRequestDetails request) throws IOException {
        SqlQueries.Format format = format(in, request);
        long limit = in.count("_limit").orElse(maxRows);
        boolean header = in.bool("header").orElse(true);
        ViewRuns.Source source = source(in);
        respond(request, format, out -> sql(() -> runs.write(view, source, Math.min(limit, maxRows), format, header, out)));
    }

    // ---- $sqlquery-run

    @Operation(name = "$sqlquery-run", idempotent = true, manualRequest = true, manualResponse = true)
    public void queryRun(ServletRequestDetails request) throws IOException {
        OperationInput in = input(request);
        runQuery(libraryOf(in, "queryReference", "queryResource"), in, request);
    }

    @Operation(name = "$sqlquery-run", idempotent = true, manualRequest = true, manualResponse = true, type = Library.class)
    public void queryTypeRun(ServletRequestDetails request) throws IOException {
        queryRun(request);
    }

    @Operation(name = "$sqlquery-run", idempotent = true, manualRequest = true, manualResponse = true, type = Library.class)
    public void queryInstanceRun(@IdParam IdType id, ServletRequestDetails request) throws IOException {
        runQuery(SqlQueryLibrary.parse(stored("Library/" + id.getIdPart())), input(request), request);
    }

    private void runQuery(SqlQueryLibrary library, OperationInput in, ServletRequestDetails request) throws IOException {
        requireSql();
        SqlQueries.Format format = format(in, request);
        long limit = Math.min(in.count("_limit").orElse(maxRows), maxRows);
        boolean header = in.bool("header").orElse(true);
        Map<String, String> tables = tables(library);
        Map<String, Object> parameters = library.bind(parameterValues(in));
        SqlQueries.Caller caller = new SqlQueries.Caller(Access.current(), request.getOperation());
        respond(request, format, out -> sql(() -> queries.write(caller, library.sql(), parameters, tables, limit, timeout, format, header, out)));
    }

    // ---- $sql-run (the newer ballot's one operation: the subject says what runs)

    @Operation(name = "$sql-run", idempotent = true, manualRequest = true, manualResponse = true)
    public void sqlRun(ServletRequestDetails request) throws IOException {
        OperationInput in = input(request);
        JsonNode subject = subject(in);
        if ("ViewDefinition".equals(subject.path("resourceType").asText())) runView(compile(subject), in, request);
        else runQuery(SqlQueryLibrary.parse(subject), in, request);
    }

    private JsonNode subject(OperationInput in) {
        Optional<String> canonical = in.string("subjectCanonical");
        Optional<String> reference = in.string("subjectReference");
        Optional<JsonNode> resource = in.resource("subjectResource");
        int given = (canonical.isPresent() ? 1 : 0) + (reference.isPresent() ? 1 : 0) + (resource.isPresent() ? 1 : 0);
        if (given != 1) throw new InvalidRequestException("give exactly one of subjectCanonical, subjectReference, subjectResource");
        if (resource.isPresent()) return resource.get();
        String ref = canonical.orElseGet(reference::get);
        Matcher literal = LITERAL.matcher(ref);
        String type = literal.matches() && builtInJson(ref).isEmpty() ? literal.group(1) : null;
        if (type != null) return resolve(type, ref);
        try {
            return resolve("ViewDefinition", ref);
        } catch (ResourceNotFoundException e) {
            return resolve("Library", ref);
        }
    }

    // ---- $viewdefinition-export and $sqlquery-export: Bulk export jobs

    @Operation(name = "$viewdefinition-export", manualRequest = true, manualResponse = true)
    public void viewExport(ServletRequestDetails request) throws IOException {
        OperationInput in = input(request);
        SqlQueries.Format format = format(in, null);
        ViewRuns.Source source = source(in);
        List<ExportJobs.Part> parts = new ArrayList<>();
        List<OperationInput> views = in.all("view").stream().map(OperationInput::of).toList();
        if (views.isEmpty()) views = List.of(in);
        for (OperationInput v : views) {
            ViewDefinition view = viewOf(v, "viewReference", "viewResource");
            String name = v.string("name").orElse(view.name() == null ? "view" + (parts.size() + 1) : view.name());
            parts.add(part(parts, name, format, (file, cancelled) -> write(file, out -> sql(() -> runs.write(view, source, maxRows, format, true, out)))));
        }
        kickOff(request, parts, source.since());
    }

    @Operation(name = "$viewdefinition-export", manualRequest = true, manualResponse = true, type = ViewDefinitionResource.class)
    public void viewTypeExport(ServletRequestDetails request) throws IOException {
        viewExport(request);
    }

    @Operation(name = "$sqlquery-export", manualRequest = true, manualResponse = true)
    public void queryExport(ServletRequestDetails request) throws IOException {
        requireSql();
        OperationInput in = input(request);
        SqlQueries.Format format = format(in, null);
        List<ExportJobs.Part> parts = new ArrayList<>();
        List<OperationInput> queryInputs = in.all("query").stream().map(OperationInput::of).toList();
        if (queryInputs.isEmpty()) queryInputs = List.of(in);
        for (OperationInput q : queryInputs) {
            SqlQueryLibrary library = libraryOf(q, "queryReference", "queryResource");
            Map<String, String> tables = tables(library);
            Map<String, Object> parameters = library.bind(parameterValues(q));
            String name = q.string("name").orElse(library.name());
            SqlQueries.Caller caller = new SqlQueries.Caller(Access.current(), "$sqlquery-export");
            parts.add(part(parts, name, format, (file, cancelled) -> write(file, out -> sql(() ->
                    queries.write(caller, library.sql(), parameters, tables, maxRows, timeout, format, true, out)))));
        }
        kickOff(request, parts, null);
    }

    @Operation(name = "$sqlquery-export", manualRequest = true, manualResponse = true, type = Library.class)
    public void queryTypeExport(ServletRequestDetails request) throws IOException {
        queryExport(request);
    }

    private static ExportJobs.Part part(List<ExportJobs.Part> parts, String name, SqlQueries.Format format,
                                        ExportJobs.Part.Writer writer) {
        if (!name.matches("[A-Za-z][A-Za-z0-9_\\-]*")) throw new InvalidRequestException("output name '" + name + "' must be a plain name");
        if (parts.stream().anyMatch(p -> p.name().equals(name))) throw new InvalidRequestException("output name '" + name + "' is used twice");
        return new ExportJobs.Part(name, name + "." + format.name().toLowerCase(java.util.Locale.ROOT), writer);
    }

    private void kickOff(ServletRequestDetails request, List<ExportJobs.Part> parts, String since) throws IOException {
        String prefer = request.getHeader("Prefer");
        if (prefer == null || !prefer.toLowerCase(java.util.Locale.ROOT).contains("respond-async")) {
            throw new InvalidRequestException(request.getOperation() + " runs asynchronously: send the header 'Prefer: respond-async'");
        }
        String base = ServletUriComponentsBuilder.fromContextPath(request.getServletRequest()).toUriString();
        ExportJobs.Job job = jobs.submit(new ExportJobs.Request(request.getCompleteUrl(), base, ExportJobs.Level.SQL,
                parts.stream().map(ExportJobs.Part::name).toList(), null, since, Instant.now().toString(),
                ExportJobs.owner(Access.current())), parts);
        HttpServletResponse response = request.getServletResponse();
        response.setStatus(202);
        response.setHeader("Content-Location", base + "/export/" + job.id);
        response.setContentType("application/fhir+json");
        response.setCharacterEncoding("UTF-8");
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.INFORMATION).setCode(OperationOutcome.IssueType.INFORMATIONAL)
                .setDiagnostics(request.getOperation() + " job " + job.id + " accepted: " + parts.size() + " output(s)");
        response.getWriter().write(fhir.newJsonParser().encodeResourceToString(outcome));
    }

    // ---- what the operations share

    /**
     * A SQLQuery reads the store's tables, which hold every patient: only the SQL capability may (a view run, by
     * contrast, reads the graph as the caller and is confined like any read).
     */
    private static void requireSql() {
        if (!Access.current().has(CareGraphScope.SQL)) {
            throw FhirAccess.forbidden("a SQLQuery reads the whole store: it needs the scope " + CareGraphScope.SQL.scope);
        }
    }

    private static OperationInput input(ServletRequestDetails request) {
        return OperationInput.of(request.loadRequestContents(), request.getParameters());
    }

    /** The view a run names: inline, by reference (ViewDefinition/id), or by canonical URL (stored or built-in). */
    private ViewDefinition viewOf(OperationInput in, String referenceName, String resourceName) {
        Optional<JsonNode> inline = in.resource(resourceName);
        Optional<String> reference = in.string(referenceName);
        if (inline.isPresent() == reference.isPresent()) {
            throw new InvalidRequestException("give exactly one of " + referenceName + " and " + resourceName);
        }
        return compile(inline.orElseGet(() -> viewJson(reference.get())));
    }

    private JsonNode viewJson(String reference) {
        return resolve("ViewDefinition", reference);
    }

    /**
     * The resource of {@code type} a reference names: a built-in view's canonical URL, a stored resource by literal
     * reference ({@code ViewDefinition/id}, relative or absolute), or a stored resource by canonical URL
     * ({@code |version} ignored).
     */
    private JsonNode resolve(String type, String reference) {
        if (type.equals("ViewDefinition")) {
            Optional<JsonNode> builtIn = builtInJson(reference);
            if (builtIn.isPresent()) return builtIn.get();
        }
        Matcher literal = LITERAL.matcher(reference);
        if (literal.matches() && literal.group(1).equals(type)) {
            Optional<GraphReader.StoredResource> found = graph.read(Access.current(), type + "/" + literal.group(2));
            if (found.isPresent()) return tree(found.get().json());
        }
        return canonical(type, reference).orElseThrow(() -> new ResourceNotFoundException(
                "no " + type + " is stored as, or has the canonical URL, " + reference));
    }

    private SqlQueryLibrary libraryOf(OperationInput in, String referenceName, String resourceName) {
        Optional<JsonNode> inline = in.resource(resourceName);
        Optional<String> reference = in.string(referenceName);
        if (inline.isPresent() == reference.isPresent()) {
            throw new InvalidRequestException("give exactly one of " + referenceName + " and " + resourceName);
        }
        return SqlQueryLibrary.parse(inline.orElseGet(() -> resolve("Library", reference.get())));
    }

    private ViewDefinition compile(JsonNode json) {
        try {
            return compiler.compile(json);
        } catch (ViewException e) {
            OperationOutcome outcome = new OperationOutcome();
            var issue = outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
                    .setCode(OperationOutcome.IssueType.INVALID).setDiagnostics(e.getMessage());
            if (e.element() != null) issue.addExpression(e.element());
            throw new UnprocessableEntityException(fhir, outcome);
        }
    }

    /** A stored resource's current JSON; 404 when there is none. */
    private JsonNode stored(String key) {
        String json = graph.read(Access.current(), key).orElseThrow(() -> new ResourceNotFoundException(new IdType(key))).json();
        return tree(json);
    }

    private Optional<JsonNode> builtInJson(String url) {
        String plain = url.contains("|") ? url.substring(0, url.indexOf('|')) : url;
        return builtIns.views().stream().filter(v -> plain.equals(v.url())).findFirst().map(ViewTable::json).map(SqlOperations::tree);
    }

    private Optional<JsonNode> canonical(String type, String url) {
        String plain = url.contains("|") ? url.substring(0, url.indexOf('|')) : url;
        List<String> found = graph.list(Access.current(), "sql/canonical", Map.of("type", type, "url", plain), r -> r.get("json").asString());
        if (found.size() > 1) throw new InvalidRequestException("more than one " + type + " has the canonical URL " + plain);
        return found.stream().findFirst().map(SqlOperations::tree);
    }

    private static JsonNode tree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("a stored resource does not parse", e);
        }
    }

    /**
     * The store's table for each depends-on label: the view must be materialized (a built-in view, or a stored
     * active one).
     */
    private Map<String, String> tables(SqlQueryLibrary library) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> d : library.dependencies().entrySet()) {
            ViewDefinition view = compile(viewJson(d.getValue()));
            String table = view.name() == null ? null : view.name().toLowerCase(java.util.Locale.ROOT);
            if (table == null || !store.tables().containsKey(table) && !store.building().contains(table)) {
                throw new UnprocessableEntityException("the ViewDefinition " + d.getValue() + " (label " + d.getKey()
                        + ") is not a table of the SQL store: store it with status active, or use a built-in view");
            }
            out.put(d.getKey(), table);
        }
        if (out.isEmpty()) throw new UnprocessableEntityException("the SQLQuery names no ViewDefinition it depends on (relatedArtifact)");
        return out;
    }

    /** Parameter values: a nested Parameters resource ({@code parameters}) or {@code parameter} entries with parts. */
    private static List<JsonNode> parameterValues(OperationInput in) {
        List<JsonNode> out = new ArrayList<>();
        in.resource("parameters").ifPresent(p -> p.path("parameter").forEach(out::add));
        for (JsonNode p : in.all("parameter")) {
            JsonNode name = null;
            JsonNode value = null;
            for (JsonNode part : p.path("part")) {
                if ("name".equals(part.path("name").asText())) name = part;
                if ("value".equals(part.path("name").asText())) value = part;
            }
            if (name == null || value == null) throw new InvalidRequestException("a 'parameter' needs parts name and value");
            var entry = JSON.createObjectNode().put("name", OperationInput.value(name));
            OperationInput.typedFields(value).forEach(entry::set);
            out.add(entry);
        }
        return out;
    }

    /** What a view runs over: the patients (and Group members) asked for, _since, or the client's resources. */
    private ViewRuns.Source source(OperationInput in) {
        List<JsonNode> resources = in.resources("resource");
        Set<String> patients = new LinkedHashSet<>();
        for (String p : in.strings("patient")) patients.add(p.startsWith("Patient/") ? p : "Patient/" + p);
        for (String g : in.strings("group")) {
            String key = g.startsWith("Group/") ? g : "Group/" + g;
            patients.addAll(graph.list(Access.current(), "group-members", Map.of("key", key), r -> r.get("members").asList(org.neo4j.driver.Value::asString))
                    .stream().findFirst().orElseThrow(() -> new ResourceNotFoundException(new IdType(key))));
        }
        boolean filtered = in.has("patient") || in.has("group");
        return new ViewRuns.Source(Access.current(), filtered ? List.copyOf(patients) : null, in.instant("_since").orElse(null),
                resources.isEmpty() ? null : resources);
    }

    /** {@code _format}, else the Accept header when it names one of the formats, else NDJSON. */
    private static SqlQueries.Format format(OperationInput in, ServletRequestDetails request) {
        Optional<String> given = in.string("_format");
        try {
            if (given.isPresent()) return SqlQueries.Format.of(given.get().replace(' ', '+'));
            String accept = request == null ? null : request.getHeader("Accept");
            if (accept != null) {
                for (String a : accept.split(",")) {
                    String type = a.split(";")[0].strip();
                    if (!type.contains("*") && !type.contains("fhir+json")) return SqlQueries.Format.of(type);
                }
            }
        } catch (SqlException e) {
            throw new InvalidRequestException(e.getMessage());
        }
        return SqlQueries.Format.NDJSON;
    }

    interface Output {
        long write(OutputStream out) throws IOException;
    }

    /** The output written whole first, so that a failure is still an OperationOutcome with its status, then sent. */
    private void respond(ServletRequestDetails request, SqlQueries.Format format, Output output) throws IOException {
        Path file = Files.createTempFile(store.spool(), "op-", ".out");
        try {
            write(file, output);
            HttpServletResponse response = request.getServletResponse();
            response.setStatus(200);
            response.setContentType(format.mediaType());
            response.setContentLengthLong(Files.size(file));
            Files.copy(file, response.getOutputStream());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static long write(Path file, Output output) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            return output.write(out);
        } catch (ViewException e) {
            throw new UnprocessableEntityException("the view cannot run on this data: " + e.getMessage());
        }
    }

    interface Work {
        long run();
    }

    /** A store refusal as the FHIR server answers errors: an OperationOutcome with the same status. */
    private static long sql(Work work) {
        try {
            return work.run();
        } catch (SqlException e) {
            BaseServerResponseException out = switch (e.status().value()) {
                case 400 -> new InvalidRequestException(e.getMessage());
                case 403 -> new ForbiddenOperationException(e.getMessage());
                default -> new UnclassifiedServerFailureException(e.status().value(), e.getMessage());
            };
            throw out;
        } catch (UncheckedIOException e) {
            throw new IllegalStateException(e);
        }
    }
}
