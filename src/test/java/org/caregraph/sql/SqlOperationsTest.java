package org.caregraph.sql;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.caregraph.GraphTest;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The SQL on FHIR operations and ViewDefinition resources over real HTTP on the imported Synthea fixture: CRUD,
 * history and search of ViewDefinitions, 422 naming the element, a stored active view becoming a table;
 * $viewdefinition-run (system, type, instance; every format; patient, _since, _limit; server data equal to the runner
 * on the fixture), $sqlquery-run with bound parameters, $sql-run, and both -export forms through the Bulk export jobs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqlOperationsTest extends GraphTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String FHIR_JSON = "application/fhir+json";

    @Autowired SqlStore store;
    @Autowired BuiltInViews builtIns;
    @Autowired ViewCompiler compiler;
    @Autowired FhirContext fhir;

    record Reply(int status, byte[] body, String contentType, HttpResponse<byte[]> raw) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @BeforeAll
    void fixture() throws InterruptedException {
        requireFixture();
        clearGraph();
        importPaths(SYNTHEA);
        store.rebuild();
        assertThat(store.awaitIdle(Duration.ofSeconds(120))).isTrue();
    }

    @Test
    void viewDefinitionsAreResourcesWithHistorySearchAndTheirOwnTable() throws Exception {
        ObjectNode view = view("female_patients", "active");
        Reply created = call("PUT", "/fhir/ViewDefinition/female-patients", view.toString(), FHIR_JSON);
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        Reply read = call("GET", "/fhir/ViewDefinition/female-patients", null, FHIR_JSON);
        assertThat(read.json().path("name").asText()).isEqualTo("female_patients");
        assertThat(read.json().at("/select/0/column/1/name").asText()).isEqualTo("gender");

        // an active view is a table: its rows are those of the view
        assertThat(store.awaitIdle(Duration.ofSeconds(60))).isTrue();
        assertThat(sqlCount("SELECT count(*) FROM female_patients")).isEqualTo(sqlCount("SELECT count(*) FROM patients WHERE gender = 'female'"));

        view.put("title", "Women");
        assertThat(call("PUT", "/fhir/ViewDefinition/female-patients", view.toString(), FHIR_JSON).status()).isEqualTo(200);
        assertThat(call("GET", "/fhir/ViewDefinition/female-patients/_history", null, FHIR_JSON).json().path("total").asInt()).isEqualTo(2);
        for (String search : List.of("name=female_patients", "url=https://example.org/ViewDefinition/female_patients", "status=active")) {
            JsonNode bundle = call("GET", "/fhir/ViewDefinition?" + search, null, FHIR_JSON).json();
            assertThat(bundle.path("entry")).as(search).hasSize(1);
        }
        assertThat(call("GET", "/fhir/ViewDefinition?name=nothing_like_it", null, FHIR_JSON).json().path("entry")).isEmpty();

        // deleted: no longer a table
        assertThat(call("DELETE", "/fhir/ViewDefinition/female-patients", null, FHIR_JSON).status()).isEqualTo(200);
        assertThat(call("GET", "/fhir/ViewDefinition/female-patients", null, FHIR_JSON).status()).isEqualTo(410);
        assertThat(store.awaitIdle(Duration.ofSeconds(60))).isTrue();
        assertThat(store.queryable()).doesNotContain("female_patients");
    }

    @Test
    void anInvalidViewIs422NamingTheElementAndNothingIsStored() {
        ObjectNode bad = view("bad_view", "active");
        ((ObjectNode) bad.at("/select/0/column/1")).put("path", "gender.where(");
        Reply r = call("PUT", "/fhir/ViewDefinition/bad-view", bad.put("id", "bad-view").toString(), FHIR_JSON);
        assertThat(r.status()).as(r.text()).isEqualTo(422);
        assertThat(r.json().path("resourceType").asText()).isEqualTo("OperationOutcome");
        assertThat(r.json().at("/issue/0/expression/0").asText()).isEqualTo("ViewDefinition.select[0].column[1].path");

        ObjectNode clash = view("patients", "active");
        Reply taken = call("PUT", "/fhir/ViewDefinition/clash", clash.put("id", "clash").toString(), FHIR_JSON);
        assertThat(taken.status()).isEqualTo(422);
        assertThat(taken.json().at("/issue/0/expression/0").asText()).isEqualTo("ViewDefinition.name");

        ObjectNode union = view("bad_union", "draft");
        ((ObjectNode) union.at("/select/0")).putArray("unionAll").add(JSON.createObjectNode().set("column",
                JSON.createArrayNode().add(JSON.createObjectNode().put("name", "a").put("path", "id"))))
                .add(JSON.createObjectNode().set("column", JSON.createArrayNode().add(JSON.createObjectNode().put("name", "b").put("path", "id"))));
        Reply mismatch = call("PUT", "/fhir/ViewDefinition/bad-union", union.put("id", "bad-union").toString(), FHIR_JSON);
        assertThat(mismatch.status()).isEqualTo(422);
        assertThat(mismatch.json().at("/issue/0/expression/0").asText()).isEqualTo("ViewDefinition.select[0].unionAll[1]");
        for (String id : List.of("bad-view", "clash", "bad-union")) {
            assertThat(call("GET", "/fhir/ViewDefinition/" + id, null, FHIR_JSON).status()).isEqualTo(404);
        }
    }

    @Test
    void serverRunsEqualTheRunnerOnTheFixture() throws IOException {
        List<Resource> fixture = fixtureResources();
        for (String name : List.of("patients", "encounters", "procedures", "immunizations", "medications")) {
            ViewTable builtIn = builtIns.views().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
            List<String> expected = new ArrayList<>();
            for (Resource r : fixture) for (Object[] row : builtIn.view().rows(r)) expected.add(canonical(row(builtIn.view(), row)));
            Reply run = call("POST", "/fhir/$viewdefinition-run", parameters(p -> {
                p.addObject().put("name", "viewReference").putObject("valueReference").put("reference", builtIn.url());
                p.addObject().put("name", "_format").put("valueCode", "json");
            }), FHIR_JSON);
            assertThat(run.status()).as(run.text()).isEqualTo(200);
            List<String> actual = new ArrayList<>();
            for (JsonNode row : run.json()) actual.add(canonical(row));
            assertThat(actual).as(name).isNotEmpty().containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @Test
    void viewRunFormatsAndFilters() throws Exception {
        call("PUT", "/fhir/ViewDefinition/all-patients", view("all_patients", "draft").toString(), FHIR_JSON);
        String run = "/fhir/ViewDefinition/all-patients/$viewdefinition-run";
        Reply ndjson = call("GET", run, null, "application/x-ndjson");
        assertThat(ndjson.status()).as(ndjson.text()).isEqualTo(200);
        List<String> lines = ndjson.text().lines().toList();
        assertThat(lines).hasSize(5);
        String patient = JSON.readTree(lines.getFirst()).path("id").asText();

        Reply csv = call("GET", run + "?_format=csv&header=false&_limit=2", null, "*/*");
        assertThat(csv.contentType()).startsWith("text/csv");
        assertThat(csv.text().lines().toList()).hasSize(2);

        Reply one = call("GET", run + "?_format=json&patient=Patient/" + patient, null, "*/*");
        assertThat(one.json()).hasSize(1);
        assertThat(one.json().get(0).path("id").asText()).isEqualTo(patient);
        assertThat(call("GET", run + "?_format=json&_since=2100-01-01T00:00:00Z", null, "*/*").json()).isEmpty();

        // the same run over resources the client sends
        Reply given = call("POST", "/fhir/ViewDefinition/$viewdefinition-run", parameters(p -> {
            p.addObject().put("name", "viewResource").set("resource", view("v", "draft"));
            p.addObject().put("name", "_format").put("valueCode", "json");
            p.addObject().put("name", "resource").set("resource", JSON.createObjectNode().put("resourceType", "Patient").put("id", "given").put("gender", "other"));
        }), FHIR_JSON);
        assertThat(given.status()).as(given.text()).isEqualTo(200);
        assertThat(given.json()).hasSize(1);
        assertThat(given.json().get(0).path("gender").asText()).isEqualTo("other");

        // Parquet with the columns' SQL types, read back by a DuckDB of its own
        Reply parquet = call("POST", "/fhir/$viewdefinition-run", parameters(p -> {
            p.addObject().put("name", "viewReference").putObject("valueReference").put("reference", "https://caregraph.org/fhir/ViewDefinition/observations");
            p.addObject().put("name", "_format").put("valueCode", "parquet");
        }), FHIR_JSON);
        assertThat(parquet.status()).as(parquet.text()).isEqualTo(200);
        Map<String, String> types = parquetTypes(parquet.body());
        assertThat(types).containsEntry("value_number", "DOUBLE").containsEntry("effective_time", "TIMESTAMP WITH TIME ZONE")
                .containsEntry("component_count", "INTEGER").containsEntry("id", "VARCHAR");

        Reply unknown = call("GET", "/fhir/ViewDefinition/no-such-view/$viewdefinition-run", null, "*/*");
        assertThat(unknown.status()).isEqualTo(404);
    }

    @Test
    void sqlQueryRunBindsParametersAndSqlRunIsTheSamePath() throws Exception {
        ObjectNode library = library("SELECT p.gender, count(*) AS n FROM p JOIN o ON o.patient_id = p.id "
                + "WHERE p.gender = :gender GROUP BY p.gender");
        Reply inline = call("POST", "/fhir/$sqlquery-run", parameters(p -> {
            p.addObject().put("name", "queryResource").set("resource", library);
            p.addObject().put("name", "_format").put("valueCode", "json");
            ObjectNode values = p.addObject().put("name", "parameters").putObject("resource").put("resourceType", "Parameters");
            values.putArray("parameter").addObject().put("name", "gender").put("valueCode", "female");
        }), FHIR_JSON);
        assertThat(inline.status()).as(inline.text()).isEqualTo(200);
        long expected = sqlCount("SELECT count(*) FROM patients p JOIN observations o ON o.patient_id = p.id WHERE p.gender = 'female'");
        assertThat(inline.json().get(0).path("n").asLong()).isEqualTo(expected).isPositive();

        // stored, then run at the instance and through $sql-run by canonical
        assertThat(call("PUT", "/fhir/Library/female-observations", library.toString(), FHIR_JSON).status()).isIn(200, 201);
        Reply instance = call("POST", "/fhir/Library/female-observations/$sqlquery-run", parameters(p -> {
            p.addObject().put("name", "_format").put("valueCode", "csv");
            ObjectNode values = p.addObject().put("name", "parameters").putObject("resource").put("resourceType", "Parameters");
            values.putArray("parameter").addObject().put("name", "gender").put("valueCode", "female");
        }), FHIR_JSON);
        assertThat(instance.status()).as(instance.text()).isEqualTo(200);
        assertThat(instance.text().lines().toList()).containsExactly("gender,n", "female," + expected);
        Reply alias = call("POST", "/fhir/$sql-run", parameters(p -> {
            p.addObject().put("name", "subjectCanonical").put("valueCanonical", "https://example.org/Library/female-observations");
            p.addObject().put("name", "_format").put("valueCode", "json");
            ObjectNode values = p.addObject().put("name", "parameters").putObject("resource").put("resourceType", "Parameters");
            values.putArray("parameter").addObject().put("name", "gender").put("valueCode", "female");
        }), FHIR_JSON);
        assertThat(alias.status()).as(alias.text()).isEqualTo(200);
        assertThat(alias.json().get(0).path("n").asLong()).isEqualTo(expected);
        Reply aliasView = call("POST", "/fhir/$sql-run", parameters(p -> {
            p.addObject().put("name", "subjectResource").set("resource", view("v", "draft"));
            p.addObject().put("name", "_format").put("valueCode", "json");
        }), FHIR_JSON);
        assertThat(aliasView.json()).hasSize(5);

        // a parameter of the wrong type, and SQL the sandbox refuses, through the operation
        Reply wrongType = call("POST", "/fhir/Library/female-observations/$sqlquery-run", parameters(p -> {
            ObjectNode values = p.addObject().put("name", "parameters").putObject("resource").put("resourceType", "Parameters");
            values.putArray("parameter").addObject().put("name", "gender").put("valueInteger", 1);
        }), FHIR_JSON);
        assertThat(wrongType.status()).isEqualTo(400);
        ObjectNode reader = library("SELECT * FROM read_csv('/etc/passwd')");
        reader.remove("parameter");
        Reply refused = call("POST", "/fhir/$sqlquery-run", parameters(p ->
                p.addObject().put("name", "queryResource").set("resource", reader)), FHIR_JSON);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().path("resourceType").asText()).isEqualTo("OperationOutcome");
    }

    @Test
    void exportsRunAsBulkJobs() throws Exception {
        Reply kickOff = call("POST", "/fhir/$viewdefinition-export", parameters(p -> {
            ObjectNode v = p.addObject().put("name", "view");
            v.putArray("part").addObject().put("name", "viewReference").putObject("valueReference")
                    .put("reference", "https://caregraph.org/fhir/ViewDefinition/patients");
            p.addObject().put("name", "_format").put("valueCode", "csv");
        }), FHIR_JSON, "Prefer", "respond-async");
        assertThat(kickOff.status()).as(kickOff.text()).isEqualTo(202);
        JsonNode manifest = poll(kickOff.raw().headers().firstValue("Content-Location").orElseThrow());
        assertThat(manifest.at("/output/0/type").asText()).isEqualTo("patients");
        assertThat(manifest.at("/output/0/count").asLong()).isEqualTo(5);
        Reply file = call("GET", manifest.at("/output/0/url").asText(), null, "*/*");
        assertThat(file.contentType()).startsWith("text/csv");
        assertThat(file.text().lines().toList()).hasSize(6);

        Reply query = call("POST", "/fhir/$sqlquery-export", parameters(p -> {
            p.addObject().put("name", "queryResource").set("resource", library("SELECT count(*) AS n FROM p WHERE gender = :gender"));
            p.addObject().put("name", "_format").put("valueCode", "ndjson");
            ObjectNode values = p.addObject().put("name", "parameters").putObject("resource").put("resourceType", "Parameters");
            values.putArray("parameter").addObject().put("name", "gender").put("valueCode", "male");
        }), FHIR_JSON, "Prefer", "respond-async");
        assertThat(query.status()).as(query.text()).isEqualTo(202);
        JsonNode done = poll(query.raw().headers().firstValue("Content-Location").orElseThrow());
        Reply rows = call("GET", done.at("/output/0/url").asText(), null, "*/*");
        assertThat(JSON.readTree(rows.text().lines().findFirst().orElseThrow()).path("n").asLong())
                .isEqualTo(sqlCount("SELECT count(*) FROM patients WHERE gender = 'male'"));
        assertThat(call("POST", "/fhir/$viewdefinition-export", parameters(p -> { }), FHIR_JSON).status()).isEqualTo(400);
    }

    @Test
    void aViewRunIsConfinedToWhatTheCallerMaySeeAndSqlQueriesNeedTheSqlCapability() throws Exception {
        String view = "/fhir/$viewdefinition-run?_format=json";
        String body = parameters(p -> p.addObject().put("name", "viewReference").putObject("valueReference")
                .put("reference", "https://caregraph.org/fhir/ViewDefinition/observations"));
        JsonNode all = call("POST", view, body, "*/*").json();
        String patient = all.get(0).path("patient_id").asText();
        long own = 0;
        for (JsonNode row : all) if (patient.equals(row.path("patient_id").asText())) own++;
        // a patient app sees its patient's observations only, through the same run
        String patientToken = token("patient-app", null, "Patient/" + patient,
                List.of("patient/Observation.rs", "patient/ViewDefinition.rs"));
        Reply confined = callAs(patientToken, "POST", view, body, "*/*");
        assertThat(confined.status()).as(confined.text()).isEqualTo(200);
        assertThat(confined.json()).hasSize((int) own);
        for (JsonNode row : confined.json()) assertThat(row.path("patient_id").asText()).isEqualTo(patient);
        // a SQLQuery reads the store's tables, which hold everyone: not for that app
        Reply query = callAs(patientToken, "POST", "/fhir/$sqlquery-run", parameters(p -> {
            p.addObject().put("name", "queryResource").set("resource", library("SELECT count(*) FROM p WHERE gender = :gender"));
            ObjectNode values = p.addObject().put("name", "parameters").putObject("resource").put("resourceType", "Parameters");
            values.putArray("parameter").addObject().put("name", "gender").put("valueCode", "female");
        }), "*/*");
        assertThat(query.status()).as(query.text()).isEqualTo(403);
    }

    // ---- helpers

    private JsonNode poll(String status) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            Reply r = call("GET", status, null, "application/json");
            if (r.status() == 200) return r.json();
            assertThat(r.status()).as(r.text()).isEqualTo(202);
            Thread.sleep(100);
        }
        throw new AssertionError("the job did not finish: " + status);
    }

    static ObjectNode view(String name, String status) {
        ObjectNode v = JSON.createObjectNode().put("resourceType", "ViewDefinition").put("id", name.replace('_', '-'))
                .put("url", "https://example.org/ViewDefinition/" + name)
                .put("name", name).put("status", status).put("resource", "Patient");
        ArrayNode columns = v.putArray("select").addObject().putArray("column");
        columns.addObject().put("name", "id").put("path", "getResourceKey()").put("type", "id");
        columns.addObject().put("name", "gender").put("path", "gender").put("type", "code");
        if (name.startsWith("female")) v.putArray("where").addObject().put("path", "gender = 'female'");
        return v;
    }

    static ObjectNode library(String sql) {
        ObjectNode l = JSON.createObjectNode().put("resourceType", "Library").put("id", "female-observations")
                .put("url", "https://example.org/Library/female-observations").put("name", "female_observations").put("status", "active");
        l.putObject("type").putArray("coding").addObject().put("system", "https://sql-on-fhir.org/ig/CodeSystem/LibraryTypesCodes").put("code", "sql-query");
        l.putArray("content").addObject().put("contentType", "application/sql")
                .put("data", Base64.getEncoder().encodeToString(sql.getBytes(StandardCharsets.UTF_8)));
        ArrayNode deps = l.putArray("relatedArtifact");
        deps.addObject().put("type", "depends-on").put("label", "p").put("resource", "https://caregraph.org/fhir/ViewDefinition/patients");
        deps.addObject().put("type", "depends-on").put("label", "o").put("resource", "https://caregraph.org/fhir/ViewDefinition/observations");
        l.putArray("parameter").addObject().put("name", "gender").put("use", "in").put("type", "code");
        return l;
    }

    private static String parameters(java.util.function.Consumer<ArrayNode> fill) {
        ObjectNode p = JSON.createObjectNode().put("resourceType", "Parameters");
        fill.accept(p.putArray("parameter"));
        return p.toString();
    }

    private long sqlCount(String sql) {
        try (Connection c = store.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> parquetTypes(byte[] parquet) throws Exception {
        Path file = Files.createTempFile("run", ".parquet");
        Files.write(file, parquet);
        Map<String, String> types = new TreeMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("DESCRIBE SELECT * FROM read_parquet('" + file + "')")) {
            while (rs.next()) types.put(rs.getString("column_name"), rs.getString("column_type"));
        }
        return types;
    }

    /** The fixture's resources as the server stores them: its bundles' urn:uuid references resolved to Type/id. */
    private List<Resource> fixtureResources() throws IOException {
        List<Resource> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(SYNTHEA)) {
            for (Path f : files.sorted().toList()) {
                JsonNode bundle = JSON.readTree(f.toFile());
                Map<String, String> urns = new HashMap<>();
                for (JsonNode e : bundle.path("entry")) {
                    urns.put(e.path("fullUrl").asText(), e.at("/resource/resourceType").asText() + "/" + e.at("/resource/id").asText());
                }
                for (JsonNode e : bundle.path("entry")) {
                    JsonNode r = e.get("resource").deepCopy();
                    resolve(r, urns);
                    out.add((Resource) fhir.newJsonParser().parseResource(r.toString()));
                }
            }
        }
        return out;
    }

    private static void resolve(JsonNode node, Map<String, String> urns) {
        if (node instanceof ObjectNode o) {
            JsonNode ref = o.get("reference");
            if (ref != null && ref.isTextual() && urns.containsKey(ref.asText())) o.set("reference", TextNode.valueOf(urns.get(ref.asText())));
            for (Iterator<JsonNode> it = o.elements(); it.hasNext(); ) resolve(it.next(), urns);
        } else if (node.isArray()) {
            for (JsonNode n : node) resolve(n, urns);
        }
    }

    private static JsonNode row(ViewDefinition view, Object[] values) {
        ObjectNode row = JSON.createObjectNode();
        for (int i = 0; i < values.length; i++) row.set(view.columns().get(i).name(), JSON.valueToTree(values[i]));
        return row;
    }

    private static String canonical(JsonNode row) {
        Map<String, JsonNode> sorted = new TreeMap<>();
        row.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue().isNumber()
                ? JSON.getNodeFactory().numberNode(e.getValue().decimalValue().stripTrailingZeros()) : e.getValue()));
        return JSON.valueToTree(sorted).toString();
    }

    private Reply call(String method, String target, String body, String accept, String... headers) {
        return callAs(systemToken(), method, target, body, accept, headers);
    }

    private Reply callAs(String token, String method, String target, String body, String accept, String... headers) {
        URI uri = URI.create(target.startsWith("http") ? target : "http://127.0.0.1:" + httpPort + target);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Accept", accept).header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", FHIR_JSON);
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        try {
            HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(""), r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
