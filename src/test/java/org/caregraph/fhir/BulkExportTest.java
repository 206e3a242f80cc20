package org.caregraph.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.Record;

/**
 * FHIR Bulk Data $export over real HTTP on the 5 Synthea patients: kick-off, polling, the manifest and its NDJSON files
 * checked against the graph (counted and read independently here), Patient and Group level confined to the patients'
 * compartments, _type and _since, the error file, cancellation and the refusals.
 */
class BulkExportTest extends BulkExportFixture {
    private static final String ASYNC = BulkDataClient.ASYNC;

    private String kickOff(String path) {
        return bulk.kickOff(path);
    }

    private JsonNode await(String status) throws InterruptedException {
        return bulk.await(status);
    }

    private Map<String, List<JsonNode>> files(JsonNode manifest) {
        return bulk.files(manifest);
    }

    private static Map<String, Integer> counts(Map<String, List<JsonNode>> files) {
        return BulkDataClient.counts(files);
    }

    @Test
    void systemExportIsEveryResourceAsStored() throws Exception {
        String status = kickOff("$export?_outputFormat=" + URLEncoder.encode("application/fhir+ndjson", StandardCharsets.UTF_8));
        JsonNode manifest = await(status);
        assertThat(manifest.get("requiresAccessToken").asBoolean()).isTrue();
        assertThat(manifest.get("request").asText()).endsWith("/fhir/$export?_outputFormat=application%2Ffhir%2Bndjson");
        assertThat(manifest.get("transactionTime").asText()).isNotEmpty();
        assertThat(manifest.get("error")).isEmpty();
        Map<String, List<JsonNode>> files = files(manifest);
        assertThat(counts(files)).isEqualTo(graphCounts("true"));
        assertThat(counts(files).values().stream().mapToInt(Integer::intValue).sum()).isGreaterThan(500);

        // every line is the stored resource, with the server's version and time in meta
        Map<String, Record> stored = new HashMap<>();
        for (Record r : query("MATCH (n:Resource) WHERE n.placeholder IS NULL AND n.deleted IS NULL "
                + "RETURN n.key AS key, n.json AS json, n.versionId AS v, n.lastUpdated AS at")) stored.put(r.get("key").asString(), r);
        files.values().stream().flatMap(List::stream).forEach(line -> {
            Record r = stored.remove(line.get("resourceType").asText() + "/" + line.get("id").asText());
            assertThat(r).as(line.get("id").asText()).isNotNull();
            assertThat(line.at("/meta/versionId").asText()).isEqualTo(String.valueOf(r.get("v").asLong()));
            assertThat(line.at("/meta/lastUpdated").asText()).isEqualTo(r.get("at").asString());
            ObjectNode withoutMeta = line.deepCopy();
            ObjectNode meta = (ObjectNode) withoutMeta.get("meta");
            meta.remove(List.of("versionId", "lastUpdated"));
            if (meta.isEmpty()) withoutMeta.remove("meta");
            assertThat(withoutMeta).isEqualTo(FhirHttp.json(r.get("json").asString()));
        });
        assertThat(stored).isEmpty();
    }

    @Test
    void patientAndGroupLevelHoldOnlyTheirPatientsCompartments() throws Exception {
        List<String> ids = patientIds();
        assertThat(ids).hasSize(5);
        String namesOne = NAMES_ONE;
        Map<String, Integer> all = counts(files(await(kickOff("Patient/$export"))));
        assertThat(all).isEqualTo(graphCounts(namesOne, "ids", ids));
        assertThat(all).doesNotContainKeys("Practitioner", "Organization", "Location");

        List<String> members = ids.subList(0, 2);
        http.put("{\"resourceType\":\"Group\",\"id\":\"two\",\"type\":\"person\",\"actual\":true,\"member\":[{\"entity\":"
                + "{\"reference\":\"Patient/" + members.get(0) + "\"}},{\"entity\":{\"reference\":\"Patient/" + members.get(1) + "\"}}]}");
        Map<String, List<JsonNode>> group = files(await(kickOff("Group/two/$export")));
        assertThat(counts(group)).isEqualTo(graphCounts(namesOne, "ids", members));
        List<String> others = ids.subList(2, 5);
        group.values().stream().flatMap(List::stream).forEach(line -> {
            for (String other : others) assertThat(line.toString()).doesNotContain("Patient/" + other).doesNotContain("\"id\":\"" + other + "\"");
        });
        assertThat(group.get("Patient")).hasSize(2);
        assertThat(group).containsKey("Group"); // a Group is in its members' compartments (Group.member)

        HttpResponse<String> unknown = http.get("/fhir/Group/nonesuch/$export", "Prefer", ASYNC);
        assertThat(unknown.statusCode()).isEqualTo(404);
    }

    @Test
    void typeAndSinceNarrowTheExport() throws Exception {
        Map<String, Integer> typed = counts(files(await(kickOff("$export?_type=Patient,Condition"))));
        Map<String, Integer> graph = graphCounts("n:Patient OR n:Condition");
        assertThat(typed).isEqualTo(graph).hasSize(2);

        String someObservation = query("MATCH (o:Observation) WHERE o.placeholder IS NULL RETURN o.id AS id ORDER BY id LIMIT 1")
                .getFirst().get("id").asString();
        JsonNode read = FhirHttp.json(http.get("/fhir/Observation/" + someObservation).body());
        ((ObjectNode) read).remove("meta");
        ((ObjectNode) read).put("status", "amended");
        http.put(read.toString());
        String changed = FhirHttp.json(http.get("/fhir/Observation/" + someObservation).body()).at("/meta/lastUpdated").asText();
        Map<String, List<JsonNode>> since = files(await(kickOff("$export?_type=Observation&_since="
                + URLEncoder.encode(changed, StandardCharsets.UTF_8))));
        assertThat(since.keySet()).containsExactly("Observation");
        assertThat(since.get("Observation")).singleElement().satisfies(o -> {
            assertThat(o.get("id").asText()).isEqualTo(someObservation);
            assertThat(o.get("status").asText()).isEqualTo("amended");
            assertThat(o.at("/meta/versionId").asText()).isEqualTo("2");
        });
    }

    @Test
    void unreadableResourcesGoToTheErrorFile() throws Exception {
        query("MERGE (n:Resource:Basic {key: 'Basic/broken'}) SET n.id = 'broken', n.resourceType = 'Basic', "
                + "n.json = '{not json', n.versionId = 1, n.lastUpdated = toString(datetime())");
        http.put("{\"resourceType\":\"Basic\",\"id\":\"fine\",\"code\":{\"text\":\"x\"}}");
        JsonNode manifest = await(kickOff("$export?_type=Basic"));
        Map<String, List<JsonNode>> files = files(manifest);
        assertThat(files.get("Basic")).extracting(l -> l.get("id").asText()).contains("fine").doesNotContain("broken");
        assertThat(manifest.get("error")).hasSize(1);
        assertThat(manifest.at("/error/0/type").asText()).isEqualTo("OperationOutcome");
        List<JsonNode> errors = bulk.errors(manifest);
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.get("resourceType").asText()).isEqualTo("OperationOutcome");
            assertThat(e.at("/issue/0/diagnostics").asText()).startsWith("Basic/broken:");
        });
        query("MATCH (n:Basic {key: 'Basic/broken'}) DETACH DELETE n");
    }

    @Test
    void refusals() {
        HttpResponse<String> noPrefer = http.get("/fhir/$export");
        assertThat(noPrefer.statusCode()).isEqualTo(400);
        assertThat(FhirHttp.json(noPrefer.body()).get("resourceType").asText()).isEqualTo("OperationOutcome");
        assertThat(http.get("/fhir/$export?_outputFormat=text/csv", "Prefer", ASYNC).statusCode()).isEqualTo(400);
        assertThat(http.get("/fhir/Patient/$export?_type=Patient,Nonsense", "Prefer", ASYNC).statusCode()).isEqualTo(400);
        assertThat(http.get("/fhir/$export?_since=last-week", "Prefer", ASYNC).statusCode()).isEqualTo(400);
        // outside the Patient compartment, and parameters not offered: errors unless the client is lenient
        assertThat(http.get("/fhir/Patient/$export?_type=Practitioner", "Prefer", ASYNC).statusCode()).isEqualTo(400);
        assertThat(http.get("/fhir/$export?_typeFilter=Observation%3Fnonesuch%3Dfinal", "Prefer", ASYNC).statusCode()).isEqualTo(400);
        HttpResponse<String> lenient = http.get("/fhir/Patient/$export?_type=Practitioner", "Prefer", ASYNC + ", handling=lenient");
        assertThat(lenient.statusCode()).isEqualTo(202);
        http.call("DELETE", lenient.headers().firstValue("Content-Location").orElseThrow(), null);
        for (String method : List.of("GET", "DELETE")) {
            HttpResponse<String> unknown = http.call(method, "/export/no-such-job", null);
            assertThat(unknown.statusCode()).as(method).isEqualTo(404);
            assertThat(FhirHttp.json(unknown.body()).get("resourceType").asText()).isEqualTo("OperationOutcome");
        }
    }

    @Test
    void pollingShowsProgressThenTheManifestAndCancelDeletes() throws Exception {
        // jobs run one at a time: the second waits behind the first, so its first poll is a 202
        String first = kickOff("$export");
        String second = kickOff("$export?_type=Patient");
        HttpResponse<String> waiting = http.get(second);
        assertThat(waiting.statusCode()).isEqualTo(202);
        assertThat(waiting.headers().firstValue("X-Progress")).isPresent();
        assertThat(waiting.headers().firstValue("Retry-After")).contains("2");

        // cancelled while waiting or running: gone, with its files
        String secondId = second.substring(second.lastIndexOf('/') + 1);
        assertThat(http.call("DELETE", second, null).statusCode()).isEqualTo(202);
        assertThat(http.get(second).statusCode()).isEqualTo(404);

        JsonNode manifest = await(first);
        String firstId = first.substring(first.lastIndexOf('/') + 1);
        Path jobDir = jobs.dir().resolve(firstId);
        assertThat(jobDir.resolve("job.json")).exists();
        String file = manifest.at("/output/0/url").asText();
        assertThat(http.get(file).statusCode()).isEqualTo(200);
        // a finished job cancelled: its files go too
        assertThat(http.call("DELETE", first, null).statusCode()).isEqualTo(202);
        assertThat(http.get(first).statusCode()).isEqualTo(404);
        assertThat(http.get(file).statusCode()).isEqualTo(404);
        assertThat(jobDir).doesNotExist();
        Thread.sleep(500); // the worker removes a cancelled job's directory when it picks it up
        assertThat(jobs.dir().resolve(secondId)).doesNotExist();
    }
}
