package org.caregraph.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.caregraph.GraphTest;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Coding;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The audit trail through the real path: real HTTP, real tokens of the server's own issuer, the real log on disk. Each
 * kind of PHI access produces its AuditEvent with the right who, what and patients, refusals included; the log is
 * served at /fhir/AuditEvent to audit scopes, and a patient token sees who accessed its own record and nothing about
 * anyone else; AuditEvents cannot be written; a request whose record cannot be written gets 503 and none of its data.
 */
class AuditHttpTest extends GraphTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FAMILY_A = "Auditanne";
    private final HttpClient http = HttpClient.newHttpClient();
    @Autowired private AuditTrail trail;
    @Autowired private AuditProperties props;
    @Autowired private FhirContext fhir;

    /** Each request's X-Request-Id, which its AuditEvent keeps: how a test finds the record of its own request. */
    private String lastRequestId;

    @BeforeEach
    void fixture() throws Exception {
        for (String r : List.of(
                "{\"resourceType\":\"Patient\",\"id\":\"aud-a\",\"name\":[{\"family\":\"" + FAMILY_A + "\"}]}",
                "{\"resourceType\":\"Patient\",\"id\":\"aud-b\",\"name\":[{\"family\":\"Auditbob\"}]}",
                observation("aud-oa", "aud-a"), observation("aud-ob", "aud-b"))) {
            JsonNode tree = JSON.readTree(r);
            HttpResponse<String> put = call(systemToken(), "PUT", "/fhir/" + tree.get("resourceType").asText() + "/" + tree.get("id").asText(), r);
            assertThat(put.statusCode()).as(put.body()).isIn(200, 201);
        }
    }

    private static String observation(String id, String patient) {
        return "{\"resourceType\":\"Observation\",\"id\":\"" + id + "\",\"status\":\"final\",\"code\":{\"coding\":[{"
                + "\"system\":\"http://loinc.org\",\"code\":\"aud-code\"}]},\"subject\":{\"reference\":\"Patient/" + patient + "\"}}";
    }

    private HttpResponse<String> call(String token, String method, String path, String body, String... headers) throws Exception {
        lastRequestId = UUID.randomUUID().toString();
        URI uri = URI.create(path.startsWith("http") ? path : "http://127.0.0.1:" + httpPort + path);
        String accept = uri.getPath().startsWith("/fhir") ? "application/fhir+json" : "application/json";
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Accept", accept).header("X-Request-Id", lastRequestId);
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (body != null && headers.length == 0) b.header("Content-Type", "application/fhir+json");
        for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String token, String path) throws Exception {
        return call(token, "GET", path, null);
    }

    /** The AuditEvent the log holds for the last request (found by its X-Request-Id), read from the log's files. */
    private AuditEvent recorded() throws Exception {
        String id = lastRequestId;
        for (AuditChain.Line line : AuditVerifier.last(props.dir(), 30).reversed()) {
            if (line.event().contains("\"" + id + "\"")) return fhir.newJsonParser().parseResource(AuditEvent.class, line.event());
        }
        throw new AssertionError("no audit record of request " + id);
    }

    private static Set<String> codes(List<Coding> codings) {
        return codings.stream().map(Coding::getCode).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The references of the entities of role {@code role} (1 Patient, 4 Domain Resource). */
    private static Set<String> entities(AuditEvent e, String role) {
        return e.getEntity().stream().filter(x -> role.equals(x.getRole().getCode())).map(x -> x.getWhat().getReference())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static String query(AuditEvent e) {
        return e.getEntity().stream().filter(x -> "24".equals(x.getRole().getCode())).findFirst()
                .map(x -> new String(x.getQuery(), StandardCharsets.UTF_8)).orElse(null);
    }

    private static AuditEvent.AuditEventAgentComponent client(AuditEvent e) {
        return e.getAgent().stream().filter(a -> codes(a.getType().getCoding()).contains("110153")).findFirst().orElseThrow();
    }

    private void assertRecorded(String subtype, String action, String outcome, Set<String> patients) throws Exception {
        AuditEvent e = recorded();
        assertThat(codes(e.getSubtype())).contains(subtype);
        assertThat(e.getAction().toCode()).isEqualTo(action);
        assertThat(e.getOutcome().toCode()).isEqualTo(outcome);
        assertThat(entities(e, "1")).as("the patients touched").isEqualTo(patients);
    }

    @Test
    void fhirInteractionsAreRecordedWithWhoWhatAndThePatientsTouched() throws Exception {
        assertThat(get(systemToken(), "/fhir/Patient/aud-a").statusCode()).isEqualTo(200);
        AuditEvent read = recorded();
        assertThat(read.getType().getCode()).isEqualTo("rest");
        assertThat(codes(read.getSubtype())).containsExactly("read");
        assertThat(read.getAction().toCode()).isEqualTo("R");
        assertThat(read.getOutcome().toCode()).isEqualTo("0");
        assertThat(entities(read, "1")).containsExactly("Patient/aud-a");
        assertThat(entities(read, "4")).as("the resource the URL names").containsExactly("Patient/aud-a");
        AuditEvent.AuditEventAgentComponent client = client(read);
        assertThat(client.getWho().getIdentifier().getValue()).isEqualTo("test-system");
        assertThat(client.getNetwork().getAddress()).isEqualTo("127.0.0.1");
        assertThat(client.getRequestor()).as("a backend client is the requestor").isTrue();
        assertThat(client.getPolicy()).hasSize(1);
        assertThat(client.getPolicy().getFirst().getValue()).startsWith("urn:ietf:params:oauth:jti:");
        assertThat(client.getExtensionByUrl(AuditEvents.SCOPE_EXTENSION).getValue().primitiveValue()).contains("system/*.cruds");
        assertThat(codes(read.getSource().getType())).containsExactly("4");
        assertThat(read.getRecorded()).isAfterOrEqualTo(read.getPeriod().getStart());

        assertThat(get(systemToken(), "/fhir/Observation?patient=aud-a").statusCode()).isEqualTo(200);
        assertRecorded("search-type", "E", "0", Set.of("Patient/aud-a"));
        assertThat(query(recorded())).isEqualTo("patient=aud-a");
        assertThat(get(systemToken(), "/fhir/Observation?code=aud-code").statusCode()).isEqualTo(200);
        assertRecorded("search-type", "E", "0", Set.of("Patient/aud-a", "Patient/aud-b"));
        assertThat(get(systemToken(), "/fhir/Observation/aud-oa/_history/1").statusCode()).isEqualTo(200);
        assertRecorded("vread", "R", "0", Set.of("Patient/aud-a"));
        assertThat(entities(recorded(), "4")).containsExactly("Observation/aud-oa/_history/1");
        assertThat(get(systemToken(), "/fhir/Observation/aud-oa/_history").statusCode()).isEqualTo(200);
        assertRecorded("history-instance", "R", "0", Set.of("Patient/aud-a"));
        assertThat(get(systemToken(), "/fhir/Patient/aud-b/$everything").statusCode()).isEqualTo(200);
        assertRecorded("operation", "E", "0", Set.of("Patient/aud-b"));
        assertThat(codes(recorded().getSubtype())).contains("$everything");

        HttpResponse<String> created = call(systemToken(), "POST", "/fhir/Observation", observation("ignored", "aud-b"));
        assertThat(created.statusCode()).isEqualTo(201);
        assertRecorded("create", "C", "0", Set.of("Patient/aud-b"));
        String key = "Observation/" + JSON.readTree(created.body()).get("id").asText();
        assertThat(entities(recorded(), "4")).as("what the create made").containsExactly(key);
        assertThat(call(systemToken(), "PUT", "/fhir/" + key, observation(key.substring(12), "aud-a")).statusCode()).isEqualTo(200);
        assertRecorded("update", "U", "0", Set.of("Patient/aud-a", "Patient/aud-b")); // moved from B's record to A's
        assertThat(call(systemToken(), "DELETE", "/fhir/" + key, null).statusCode()).isEqualTo(200);
        assertRecorded("delete", "D", "0", Set.of("Patient/aud-a"));

        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"%s\",\"entry\":[{\"resource\":" + observation("aud-tx", "aud-b")
                + ",\"request\":{\"method\":\"PUT\",\"url\":\"Observation/aud-tx\"}}]}";
        assertThat(call(systemToken(), "POST", "/fhir", bundle.formatted("transaction")).statusCode()).isEqualTo(200);
        assertRecorded("transaction", "E", "0", Set.of("Patient/aud-b"));
        assertThat(call(systemToken(), "POST", "/fhir", bundle.formatted("batch")).statusCode()).isEqualTo(200);
        assertRecorded("batch", "E", "0", Set.of("Patient/aud-b"));
    }

    @Test
    void refusalsAndFailuresAreRecorded() throws Exception {
        assertThat(get(null, "/fhir/Patient/aud-a").statusCode()).isEqualTo(401);
        AuditEvent anonymous = recorded();
        assertThat(anonymous.getOutcome().toCode()).isEqualTo("4");
        assertThat(anonymous.getOutcomeDesc()).isEqualTo("HTTP 401");
        assertThat(client(anonymous).getWho().getDisplay()).isEqualTo("unauthenticated request");
        assertThat(entities(anonymous, "1")).isEmpty();
        assertThat(entities(anonymous, "4")).as("what was asked for").containsExactly("Patient/aud-a");

        assertThat(call("not-a-token", "GET", "/graphql", null).statusCode()).isEqualTo(401);
        assertRecorded("graphql", "E", "4", Set.of());

        String observationsOnly = token("app-obs", null, "aud-a", List.of("patient/Observation.rs"));
        assertThat(get(observationsOnly, "/fhir/Patient/aud-a").statusCode()).isEqualTo(403);
        assertRecorded("read", "R", "4", Set.of());
        assertThat(client(recorded()).getWho().getIdentifier().getValue()).isEqualTo("app-obs");

        // outside the token's compartment: a read that found nothing, recorded as such
        String alice = token("app-a", null, "aud-a", List.of("patient/*.rs"));
        assertThat(get(alice, "/fhir/Observation/aud-ob").statusCode()).isEqualTo(404);
        assertRecorded("read", "R", "4", Set.of());

        assertThat(get(systemToken(), "/fhir/Observation?unknown-parameter=1").statusCode()).isEqualTo(400);
        assertRecorded("search-type", "E", "4", Set.of());
    }

    @Test
    void aUsersTokenNamesTheUserBesideItsApplication() throws Exception {
        String doctor = token("ehr-app", "Practitioner/aud-dr", null, List.of("user/*.rs"));
        get(doctor, "/fhir/Patient/aud-a");
        AuditEvent e = recorded();
        AuditEvent.AuditEventAgentComponent user = e.getAgent().stream().filter(a -> a.getWho().hasReference()).findFirst().orElseThrow();
        assertThat(user.getWho().getReference()).isEqualTo("Practitioner/aud-dr");
        assertThat(user.getRequestor()).isTrue();
        assertThat(codes(user.getType().getCoding())).contains("IRCP", "UserOauthAgent");
        assertThat(user.getPolicy()).hasSize(1);
        assertThat(client(e).getWho().getIdentifier().getValue()).isEqualTo("ehr-app");
        assertThat(client(e).getRequestor()).isFalse();
        assertThat(client(e).getPolicy()).isEmpty();
    }

    @Test
    void theOtherApisAreRecordedWithTheirQueries() throws Exception {
        String graphql = "{\"query\":\"{ patient(id: \\\"aud-a\\\") { id name } }\"}";
        HttpResponse<String> g = call(systemToken(), "POST", "/graphql", graphql, "Content-Type", "application/json");
        assertThat(g.statusCode()).as(g.body()).isEqualTo(200);
        assertThat(g.body()).contains(FAMILY_A);
        assertRecorded("graphql", "E", "0", Set.of("Patient/aud-a"));
        AuditEvent ge = recorded();
        assertThat(ge.getType().getCode()).isEqualTo("110112");
        assertThat(query(ge)).isEqualTo(graphql);

        String cypher = "{\"query\":\"MATCH (p:Patient {id: 'aud-b'}) RETURN p.id AS id\"}";
        assertThat(call(systemToken(), "POST", "/cypher", cypher, "Content-Type", "application/json").statusCode()).isEqualTo(200);
        assertRecorded("cypher", "E", "0", Set.of());
        assertThat(query(recorded())).isEqualTo(cypher);

        assertThat(call(systemToken(), "POST", "/nlp", "No fever.", "Content-Type", "text/plain").statusCode()).isEqualTo(200);
        assertRecorded("nlp", "E", "0", Set.of());
        assertThat(query(recorded())).as("a note is not a query: its text is not kept").isNull();

        String inputs = "{\"inputs\":[\"../outside\"]}";
        assertThat(call(systemToken(), "POST", "/import", inputs, "Content-Type", "application/json").statusCode()).isEqualTo(400);
        assertRecorded("import", "C", "4", Set.of());
        assertThat(query(recorded())).isEqualTo(inputs);
    }

    @Test
    void bulkExportKickOffStatusAndDownloadsAreRecorded() throws Exception {
        HttpResponse<String> kick = call(systemToken(), "GET", "/fhir/Patient/$export?_type=Patient", null, "Prefer", "respond-async");
        assertThat(kick.statusCode()).as(kick.body()).isEqualTo(202);
        assertRecorded("operation", "E", "0", Set.of());
        assertThat(codes(recorded().getSubtype())).contains("$export");
        String status = kick.headers().firstValue("Content-Location").orElseThrow();
        String job = status.substring(status.lastIndexOf('/') + 1);
        HttpResponse<String> poll = get(systemToken(), status);
        for (int i = 0; i < 300 && poll.statusCode() == 202; i++) {
            Thread.sleep(100);
            poll = get(systemToken(), status);
        }
        assertThat(poll.statusCode()).isEqualTo(200);
        assertRecorded("export-status", "R", "0", Set.of());
        String file = JSON.readTree(poll.body()).get("output").get(0).get("url").asText();
        HttpResponse<String> download = get(systemToken(), file);
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).contains(FAMILY_A);
        AuditEvent e = recorded();
        assertThat(codes(e.getSubtype())).containsExactly("export-download");
        assertThat(e.getType().getCode()).isEqualTo("110106");
        assertThat(e.getOutcomeDesc()).isEqualTo("HTTP 200, recorded before the answer was streamed");
        AuditEvent.AuditEventEntityComponent jobEntity = e.getEntity().stream().filter(x -> "20".equals(x.getRole().getCode())).findFirst().orElseThrow();
        assertThat(jobEntity.getWhat().getIdentifier().getValue()).isEqualTo(job);
        assertThat(jobEntity.getDescription()).isEqualTo(file.substring(file.lastIndexOf('/') + 1));

        assertThat(get(token("other-client", null, null, List.of("system/*.rs")), file).statusCode()).isEqualTo(404);
        assertRecorded("export-download", "R", "4", Set.of());
    }

    @Test
    void aBackupOfTheWholeStoreIsRecordedAsAnExportBeforeItsFirstByte() throws Exception {
        assertThat(get(systemToken(), "/admin/backup").statusCode()).isEqualTo(200);
        AuditEvent e = recorded();
        assertThat(codes(e.getSubtype())).containsExactly("backup");
        assertThat(e.getType().getCode()).isEqualTo("110106");
        assertThat(e.getOutcomeDesc()).isEqualTo("HTTP 200, recorded before the answer was streamed");
        assertThat(get(token("other-client", null, null, List.of("system/*.rs")), "/admin/backup").statusCode()).isEqualTo(403);
        assertRecorded("backup", "R", "4", Set.of());
    }

    /** An AuditEvent search's entries, answered 200. */
    private List<AuditEvent> events(String token, String query) throws Exception {
        HttpResponse<String> r = get(token, "/fhir/AuditEvent" + query);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<AuditEvent> out = new ArrayList<>();
        for (JsonNode entry : JSON.readTree(r.body()).path("entry")) {
            out.add(fhir.newJsonParser().parseResource(AuditEvent.class, entry.get("resource").toString()));
        }
        return out;
    }

    @Test
    void theLogIsServedToAuditScopes() throws Exception {
        Thread.sleep(5);
        Instant since = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        String app = token("audit-app-" + UUID.randomUUID(), null, "aud-a", List.of("patient/*.rs"));
        get(app, "/fhir/Patient/aud-a");
        String readId = lastRequestId;
        get(app, "/fhir/Observation/aud-oa");
        get(systemToken(), "/fhir/Observation?code=aud-code"); // touches A and B

        List<AuditEvent> aboutA = events(systemToken(), "?patient=aud-a&date=ge" + since);
        assertThat(aboutA).hasSize(3).allSatisfy(e -> assertThat(entities(e, "1")).contains("Patient/aud-a"));
        assertThat(aboutA.getFirst().getIdElement().getIdPartAsLong()).as("newest first")
                .isGreaterThan(aboutA.getLast().getIdElement().getIdPartAsLong());
        assertThat(events(systemToken(), "?patient=aud-a&date=lt" + since.minusSeconds(3600)))
                .noneMatch(e -> e.getRecorded().toInstant().isAfter(since));
        String client = client(aboutA.getLast()).getWho().getIdentifier().getValue();
        assertThat(events(systemToken(), "?agent=" + client)).hasSize(2);
        assertThat(events(systemToken(), "?agent=" + client + "&action=R&outcome=0&subtype=read")).hasSize(2);

        AuditEvent first = aboutA.getLast();
        HttpResponse<String> read = get(systemToken(), "/fhir/AuditEvent/" + first.getIdElement().getIdPart());
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).contains(readId);

        // paged: _count, a next link, served to the searcher alone
        HttpResponse<String> page = get(systemToken(), "/fhir/AuditEvent?patient=aud-a&_count=1");
        JsonNode bundle = JSON.readTree(page.body());
        assertThat(bundle.get("entry")).hasSize(1);
        String next = null;
        for (JsonNode link : bundle.get("link")) if (link.get("relation").asText().equals("next")) next = link.get("url").asText();
        assertThat(next).isNotNull();
        assertThat(get(systemToken(), next).statusCode()).isEqualTo(200);
        assertThat(get(token("another-auditor", null, null, List.of("system/AuditEvent.rs")), next).statusCode()).isEqualTo(404);
    }

    @Test
    void aPatientSeesWhoAccessedItsRecordAndNothingAboutAnyoneElse() throws Exception {
        String app = "snoop-" + UUID.randomUUID();
        get(token(app, null, null, List.of("system/*.rs")), "/fhir/Observation?code=aud-code"); // A and B
        String ownAccess = "self-" + UUID.randomUUID();
        get(token(ownAccess, null, "aud-b", List.of("patient/*.rs")), "/fhir/Observation?patient=aud-b"); // B only

        String alice = token("portal", null, "aud-a", List.of("patient/AuditEvent.rs"));
        List<AuditEvent> mine = events(alice, "?patient=aud-a");
        AuditEvent seen = mine.stream().filter(e -> e.getAgent().stream().anyMatch(a -> app.equals(a.getWho().getIdentifier().getValue())))
                .findFirst().orElseThrow(() -> new AssertionError("the snooping search is not in the patient's view"));
        assertThat(seen.getAction().toCode()).isEqualTo("E");
        assertThat(seen.getRecorded()).isNotNull();
        assertThat(seen.getEntity()).as("only the patient's own entity: not B, not the query")
                .singleElement().satisfies(x -> assertThat(x.getWhat().getReference()).isEqualTo("Patient/aud-a"));
        assertThat(seen.getAgent()).allSatisfy(a -> {
            assertThat(a.hasNetwork()).isFalse();
            assertThat(a.getPolicy()).isEmpty();
            assertThat(a.getExtension()).isEmpty();
        });
        assertThat(events(alice, "")).isNotEmpty().allSatisfy(e -> assertThat(e.getEntity())
                        .allSatisfy(x -> assertThat(x.getWhat().getReference()).isEqualTo("Patient/aud-a")))
                .noneMatch(e -> e.getAgent().stream().anyMatch(a -> ownAccess.equals(a.getWho().getIdentifier().getValue())));
        assertThat(events(alice, "?patient=aud-b")).isEmpty();
        AuditEvent aboutB = events(systemToken(), "?agent=" + ownAccess).getFirst();
        assertThat(get(alice, "/fhir/AuditEvent/" + aboutB.getIdElement().getIdPart()).statusCode()).as("not hers: not found").isEqualTo(404);

        String noAuditScope = token("portal", null, "aud-a", List.of("patient/Patient.rs"));
        assertThat(get(noAuditScope, "/fhir/AuditEvent?patient=aud-a").statusCode()).isEqualTo(403);
    }

    @Test
    void auditEventsCannotBeWrittenThroughTheApi() throws Exception {
        String event = "{\"resourceType\":\"AuditEvent\",\"id\":\"1\",\"type\":{\"code\":\"rest\"},\"recorded\":\"2026-01-01T00:00:00Z\","
                + "\"agent\":[{\"requestor\":true}],\"source\":{\"observer\":{\"display\":\"x\"}}}";
        for (HttpResponse<String> r : List.of(call(systemToken(), "POST", "/fhir/AuditEvent", event),
                call(systemToken(), "PUT", "/fhir/AuditEvent/1", event),
                call(systemToken(), "PUT", "/fhir/AuditEvent?patient=aud-a", event),
                call(systemToken(), "PATCH", "/fhir/AuditEvent/1", "[]", "Content-Type", "application/json-patch+json"),
                call(systemToken(), "DELETE", "/fhir/AuditEvent/1", null),
                call(systemToken(), "DELETE", "/fhir/AuditEvent?patient=aud-a", null))) {
            assertThat(r.statusCode()).as(r.request().method() + " " + r.uri() + ": " + r.body()).isEqualTo(405);
            assertThat(r.body()).contains("OperationOutcome").contains("cannot be created, changed or deleted");
        }
        String entry = "{\"resource\":" + event + ",\"request\":{\"method\":\"POST\",\"url\":\"AuditEvent\"}}";
        String ok = "{\"resource\":" + observation("aud-batch", "aud-a") + ",\"request\":{\"method\":\"PUT\",\"url\":\"Observation/aud-batch\"}}";
        HttpResponse<String> tx = call(systemToken(), "POST", "/fhir", "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" + ok + "," + entry + "]}");
        assertThat(tx.statusCode()).as(tx.body()).isEqualTo(405);
        assertThat(get(systemToken(), "/fhir/Observation/aud-batch").statusCode()).as("nothing of the transaction written").isEqualTo(404);
        HttpResponse<String> batch = call(systemToken(), "POST", "/fhir", "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[" + ok + "," + entry + "]}");
        assertThat(batch.statusCode()).isEqualTo(200);
        JsonNode answers = JSON.readTree(batch.body()).get("entry");
        assertThat(answers.get(0).get("response").get("status").asText()).startsWith("201");
        assertThat(answers.get(1).get("response").get("status").asText()).startsWith("405");

        JsonNode capability = JSON.readTree(get(null, "/fhir/metadata").body());
        for (JsonNode resource : capability.get("rest").get(0).get("resource")) {
            if (!resource.get("type").asText().equals("AuditEvent")) continue;
            List<String> interactions = new ArrayList<>();
            resource.get("interaction").forEach(i -> interactions.add(i.get("code").asText()));
            assertThat(interactions).containsExactlyInAnyOrder("read", "search-type");
        }
    }

    @Test
    void whenTheRecordCannotBeWrittenTheAnswerIs503WithoutData() throws Exception {
        HttpResponse<String> kick = call(systemToken(), "GET", "/fhir/Patient/$export?_type=Patient", null, "Prefer", "respond-async");
        String status = kick.headers().firstValue("Content-Location").orElseThrow();
        HttpResponse<String> poll = get(systemToken(), status);
        for (int i = 0; i < 300 && poll.statusCode() == 202; i++) {
            Thread.sleep(100);
            poll = get(systemToken(), status);
        }
        String file = JSON.readTree(poll.body()).get("output").get(0).get("url").asText();
        long before = trail.log().size();
        trail.log().redirect(Path.of("/dev/full")); // the disk is full: every write of the log fails
        try {
            HttpResponse<String> read = get(systemToken(), "/fhir/Patient/aud-a");
            assertThat(read.statusCode()).isEqualTo(503);
            assertThat(read.body()).contains("OperationOutcome").contains("AUDIT_UNAVAILABLE").doesNotContain(FAMILY_A);
            HttpResponse<String> search = get(systemToken(), "/fhir/Patient?family=" + FAMILY_A);
            assertThat(search.statusCode()).isEqualTo(503);
            assertThat(search.body()).doesNotContain("aud-a");
            HttpResponse<String> graphql = call(systemToken(), "POST", "/graphql", "{\"query\":\"{ patient(id: \\\"aud-a\\\") { name } }\"}",
                    "Content-Type", "application/json");
            assertThat(graphql.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(graphql.body()).at("/errors/0/extensions/code").asText()).isEqualTo("AUDIT_UNAVAILABLE");
            assertThat(graphql.body()).doesNotContain(FAMILY_A);
            HttpResponse<String> download = get(systemToken(), file);
            assertThat(download.statusCode()).as("refused before the file's first byte").isEqualTo(503);
            assertThat(download.body()).doesNotContain(FAMILY_A).doesNotContain("\"resourceType\":\"Patient\"");
            assertThat(get(null, "/fhir/Patient/aud-a").statusCode()).as("refusals cannot be recorded either").isEqualTo(503);
        } finally {
            trail.log().restore();
        }
        assertThat(get(systemToken(), "/fhir/Patient/aud-a").statusCode()).isEqualTo(200);
        assertThat(trail.log().size()).as("only the request after the disk came back").isEqualTo(before + 1);
        AuditVerifier.Result verified = AuditVerifier.verify(props.dir());
        assertThat(verified.intact()).as(verified.problem()).isTrue();
    }

}
