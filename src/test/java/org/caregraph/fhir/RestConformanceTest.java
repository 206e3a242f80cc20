package org.caregraph.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * FHIR R4 interactions as http.html writes them, through real HTTP: Prefer on every write, the status codes, ETags,
 * Location on PUT, CORS, raw | and $ in conditional URLs, transaction and batch answers, FHIRPath Patch, formats.
 */
class RestConformanceTest extends GraphTest {
    private FhirHttp http;

    @BeforeEach
    void client() {
        http = new FhirHttp(httpPort, systemToken());
    }

    private static String patient(String id, String family) {
        return "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"identifier\":[{\"system\":\"http://rc\",\"value\":\"" + id + "\"}],"
                + "\"name\":[{\"family\":\"" + family + "\"}]}";
    }

    @Test
    void preferAndStatusCodes() {
        HttpResponse<String> minimal = http.call("POST", "/fhir/Patient", patient("x", "Minimal"), "Prefer", "return=minimal");
        assertThat(minimal.statusCode()).isEqualTo(201);
        assertThat(minimal.body()).isEmpty();
        assertThat(minimal.headers().firstValue("Location")).isPresent();
        assertThat(minimal.headers().firstValue("ETag")).hasValue("W/\"1\"");
        HttpResponse<String> outcome = http.call("POST", "/fhir/Patient", patient("x", "Outcome"), "Prefer", "return=OperationOutcome");
        assertThat(FhirHttp.json(outcome.body()).get("resourceType").asText()).isEqualTo("OperationOutcome");
        HttpResponse<String> full = http.call("POST", "/fhir/Patient", patient("x", "Full"), "Prefer", "return=representation");
        assertThat(FhirHttp.json(full.body()).at("/name/0/family").asText()).isEqualTo("Full");

        HttpResponse<String> put = http.call("PUT", "/fhir/Patient/rc-put", patient("rc-put", "Put"));
        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(put.headers().firstValue("Location").orElse("")).contains("Patient/rc-put/_history/1");
        HttpResponse<String> again = http.call("PUT", "/fhir/Patient/rc-put", patient("rc-put", "Put2"), "Prefer", "return=minimal");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEmpty();
        assertThat(again.headers().firstValue("Location").orElse("")).contains("Patient/rc-put/_history/2");
        // 400: no id in the body of an update, id mismatch, unparseable; 412: If-Match not current; 422: invalid content
        assertThat(http.call("PUT", "/fhir/Patient/rc-put", "{\"resourceType\":\"Patient\"}").statusCode()).isEqualTo(400);
        assertThat(http.call("PUT", "/fhir/Patient/rc-put", patient("other", "X")).statusCode()).isEqualTo(400);
        assertThat(http.call("POST", "/fhir/Patient", "{not json").statusCode()).isEqualTo(400);
        assertThat(http.call("PUT", "/fhir/Patient/rc-put", patient("rc-put", "X"), "If-Match", "W/\"1\"").statusCode()).isEqualTo(412);
        assertThat(http.call("POST", "/fhir/Observation", "{\"resourceType\":\"Observation\",\"status\":\"final\","
                + "\"code\":{\"text\":\"x\"},\"subject\":{\"reference\":\"urn:uuid:0d6f4e3c-6a52-4a8f-9a5e-2b8e5f1d2c3b\"}}").statusCode())
                .isEqualTo(422);
        // PATCH honours Prefer too
        HttpResponse<String> patch = http.call("PATCH", "/fhir/Patient/rc-put", "[{\"op\":\"replace\",\"path\":\"/name/0/family\",\"value\":\"Patched\"}]",
                "Content-Type", "application/json-patch+json", "Prefer", "return=representation");
        assertThat(patch.statusCode()).isEqualTo(200);
        assertThat(FhirHttp.json(patch.body()).at("/name/0/family").asText()).isEqualTo("Patched");
    }

    @Test
    void rawBarAndDollarInConditionalUrls() throws Exception {
        http.put(patient("rc-raw", "Raw"));
        // raw | and $ in the query string, as curl and many clients send them (java.net.URI would encode them): Tomcat
        // lets them through to the FHIR server
        String update = raw("PUT", "/fhir/Patient?identifier=http://rc|rc-raw&_tag:not=x$y", patient("rc-raw", "Raw2"));
        assertThat(update).startsWith("HTTP/1.1 200");
        assertThat(FhirHttp.json(http.get("/fhir/Patient/rc-raw").body()).at("/name/0/family").asText()).isEqualTo("Raw2");
        assertThat(raw("GET", "/fhir/Patient?identifier=http://rc|rc-raw", null)).startsWith("HTTP/1.1 200").contains("rc-raw");
        assertThat(raw("DELETE", "/fhir/Patient?identifier=http://rc|rc-raw", null)).startsWith("HTTP/1.1 200");
        assertThat(http.get("/fhir/Patient/rc-raw").statusCode()).isEqualTo(410);
    }

    /** One HTTP/1.1 exchange on a socket, the request target sent exactly as given; the whole response. */
    private String raw(String method, String target, String body) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", httpPort)) {
            byte[] content = body == null ? new byte[0] : body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            String head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + systemToken()
                    + "\r\nAccept: application/fhir+json\r\nConnection: close\r\n"
                    + (body == null ? "" : "Content-Type: application/fhir+json\r\nContent-Length: " + content.length + "\r\n") + "\r\n";
            socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().write(content);
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void etagsAndCors() throws Exception {
        http.put(patient("rc-etag", "Etag"));
        assertThat(http.get("/fhir/Patient/rc-etag").headers().firstValue("ETag")).hasValue("W/\"1\"");
        HttpResponse<String> metadata = http.get("/fhir/metadata");
        assertThat(metadata.headers().firstValue("ETag")).isPresent();
        assertThat(http.get("/fhir/metadata").headers().firstValue("ETag")).isEqualTo(metadata.headers().firstValue("ETag"));
        // a browser app's preflight, without a token, from a configured origin; another origin is refused
        var client = java.net.http.HttpClient.newHttpClient();
        java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + httpPort + "/fhir/Patient/rc-etag");
        HttpResponse<String> preflight = client.send(java.net.http.HttpRequest.newBuilder(uri)
                .method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody()).header("Origin", "https://app.example.org")
                .header("Access-Control-Request-Method", "PUT").header("Access-Control-Request-Headers", "authorization,content-type")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(preflight.statusCode()).isEqualTo(200);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example.org");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains("PUT");
        HttpResponse<String> read = http.get("/fhir/Patient/rc-etag", "Origin", "https://app.example.org");
        assertThat(read.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example.org");
        assertThat(read.headers().firstValue("Access-Control-Expose-Headers").orElse("")).contains("ETag", "Location");
        HttpResponse<String> other = client.send(java.net.http.HttpRequest.newBuilder(uri)
                .method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody()).header("Origin", "https://evil.example.org")
                .header("Access-Control-Request-Method", "GET").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(other.statusCode()).isEqualTo(403);
    }

    @Test
    void transactionsAndBatches() {
        http.put(patient("rc-tx", "Tx"));
        String transaction = """
                {"resourceType":"Bundle","type":"transaction","entry":[
                 {"fullUrl":"urn:uuid:11111111-1111-1111-1111-111111111111","resource":{"resourceType":"Observation","status":"final",
                   "code":{"text":"tx"},"subject":{"reference":"Patient/rc-tx"}},"request":{"method":"POST","url":"Observation"}},
                 {"resource":%s,"request":{"method":"PUT","url":"Patient/rc-tx"}}]}""".formatted(patient("rc-tx", "Tx2"));
        HttpResponse<String> r = http.call("POST", "/fhir", transaction, "Prefer", "return=representation");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode response = FhirHttp.json(r.body());
        assertThat(response.at("/entry/0/response/status").asText()).isEqualTo("201 Created");
        assertThat(response.at("/entry/1/response/status").asText()).isEqualTo("200 OK");
        assertThat(response.at("/entry/0/resource/resourceType").asText()).isEqualTo("Observation");
        assertThat(response.at("/entry/1/resource/name/0/family").asText()).isEqualTo("Tx2");
        // one failing entry fails the whole, naming it; nothing is written
        String failing = """
                {"resourceType":"Bundle","type":"transaction","entry":[
                 {"resource":%s,"request":{"method":"PUT","url":"Patient/rc-tx"}},
                 {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},
                  "subject":{"reference":"urn:uuid:0d6f4e3c-6a52-4a8f-9a5e-2b8e5f1d2c3b"}},
                  "request":{"method":"POST","url":"Observation"}}]}""".formatted(patient("rc-tx", "Never"));
        HttpResponse<String> failed = http.call("POST", "/fhir", failing);
        assertThat(failed.statusCode()).isEqualTo(422);
        assertThat(failed.body()).contains("Bundle.entry[1]");
        assertThat(FhirHttp.json(http.get("/fhir/Patient/rc-tx").body()).at("/name/0/family").asText()).isEqualTo("Tx2");
        // batch GET entries: a read and a search
        String batch = """
                {"resourceType":"Bundle","type":"batch","entry":[
                 {"request":{"method":"GET","url":"Patient/rc-tx"}},
                 {"request":{"method":"GET","url":"Patient?identifier=http://rc|rc-tx"}},
                 {"request":{"method":"GET","url":"Patient/rc-none"}}]}""";
        JsonNode b = FhirHttp.json(http.call("POST", "/fhir", batch).body());
        assertThat(b.at("/entry/0/response/status").asText()).isEqualTo("200 OK");
        assertThat(b.at("/entry/1/resource/resourceType").asText()).isEqualTo("Bundle");
        assertThat(b.at("/entry/1/resource/total").asInt()).isEqualTo(1);
        assertThat(b.at("/entry/2/response/status").asText()).startsWith("404");
        // a history Bundle is replayed; a document Bundle is stored as a Bundle
        String history = """
                {"resourceType":"Bundle","type":"history","entry":[
                 {"resource":%s,"request":{"method":"PUT","url":"Patient/rc-hist"},"response":{"status":"201"}}]}""".formatted(patient("rc-hist", "Hist"));
        assertThat(http.call("POST", "/fhir", history).statusCode()).isEqualTo(200);
        assertThat(http.get("/fhir/Patient/rc-hist").statusCode()).isEqualTo(200);
        String document = """
                {"resourceType":"Bundle","type":"document","identifier":{"system":"http://docs","value":"d1"},
                 "timestamp":"2024-01-01T00:00:00Z","entry":[{"fullUrl":"urn:uuid:22222222-2222-2222-2222-222222222222",
                 "resource":{"resourceType":"Composition","status":"final","type":{"text":"note"},"date":"2024-01-01",
                 "author":[{"display":"me"}],"title":"Doc"}}]}""";
        HttpResponse<String> stored = http.call("POST", "/fhir", document);
        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
        assertThat(stored.headers().firstValue("Location").orElse("")).contains("/Bundle/");
    }

    @Test
    void fhirPathPatch() {
        http.put(patient("rc-fpp", "Before"));
        String patch = """
                {"resourceType":"Parameters","parameter":[{"name":"operation","part":[
                  {"name":"type","valueCode":"replace"},{"name":"path","valueString":"Patient.name[0].family"},
                  {"name":"value","valueString":"After"}]},
                 {"name":"operation","part":[{"name":"type","valueCode":"add"},{"name":"path","valueString":"Patient"},
                  {"name":"name","valueString":"gender"},{"name":"value","valueCode":"female"}]}]}""";
        HttpResponse<String> r = http.call("PATCH", "/fhir/Patient/rc-fpp", patch, "Content-Type", "application/fhir+json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode after = FhirHttp.json(http.get("/fhir/Patient/rc-fpp").body());
        assertThat(after.at("/name/0/family").asText()).isEqualTo("After");
        assertThat(after.get("gender").asText()).isEqualTo("female");
        String bad = """
                {"resourceType":"Parameters","parameter":[{"name":"operation","part":[
                  {"name":"type","valueCode":"delete"},{"name":"path","valueString":"Patient.nonsense("}]}]}""";
        assertThat(http.call("PATCH", "/fhir/Patient/rc-fpp", bad, "Content-Type", "application/fhir+json").statusCode()).isIn(400, 422);
        assertThat(http.call("PATCH", "/fhir/Patient/rc-fpp", "<diff/>", "Content-Type", "application/xml-patch+xml").statusCode()).isEqualTo(400);
        assertThat(FhirHttp.json(http.get("/fhir/Patient/rc-fpp").body()).at("/meta/versionId").asText()).isEqualTo("2");
        // a PATCH entry of a transaction may carry a FHIRPath Patch as its resource
        String tx = """
                {"resourceType":"Bundle","type":"transaction","entry":[{"resource":%s,"request":{"method":"PATCH","url":"Patient/rc-fpp"}}]}"""
                .formatted(patch.replace("After", "InTx"));
        assertThat(http.call("POST", "/fhir", tx).statusCode()).isEqualTo(200);
        assertThat(FhirHttp.json(http.get("/fhir/Patient/rc-fpp").body()).at("/name/0/family").asText()).isEqualTo("InTx");
    }

    @Test
    void formats() {
        http.put(patient("rc-fmt", "Fmt"));
        assertThat(http.get("/fhir/Patient/rc-fmt?_format=xml").body()).startsWith("<Patient");
        assertThat(http.get("/fhir/Patient/rc-fmt?_format=json").body()).startsWith("{");
        assertThat(http.get("/fhir/Patient/rc-fmt", "Accept", "application/fhir+xml").body()).startsWith("<Patient");
        assertThat(http.get("/fhir/Patient/rc-fmt?_format=text/turtle").statusCode()).isEqualTo(406);
        assertThat(http.get("/fhir/Patient/rc-fmt", "Accept", "text/plain").statusCode()).isEqualTo(406);
        assertThat(http.call("POST", "/fhir/Patient", "gender=female", "Content-Type", "text/plain").statusCode()).isEqualTo(415);
        assertThat(http.get("/fhir/Patient/rc-fmt", "Accept", "application/fhir+json; fhirVersion=3.0").statusCode()).isEqualTo(406);
        HttpResponse<String> versioned = http.get("/fhir/Patient/rc-fmt", "Accept", "application/fhir+json; fhirVersion=4.0");
        assertThat(versioned.statusCode()).isEqualTo(200);
        assertThat(versioned.headers().firstValue("Content-Type").orElse("")).contains("fhirVersion=4.0");
        // _summary and _elements with other parameters
        JsonNode elements = FhirHttp.json(http.get("/fhir/Patient/rc-fmt?_elements=name&_pretty=true").body());
        assertThat(elements.has("identifier")).isFalse();
        assertThat(elements.has("name")).isTrue();
    }

    @Test
    void capabilityStatementTellsTheSameTruth() {
        JsonNode cs = FhirHttp.json(http.get("/fhir/metadata").body());
        JsonNode rest = cs.at("/rest/0");
        assertThat(rest.get("interaction").toString()).contains("search-system", "transaction", "batch", "history-system");
        for (JsonNode r : rest.get("resource")) {
            String type = r.get("type").asText();
            if (type.equals("AuditEvent")) continue; // served from the audit log with its own parameters (AuditHttpTest)
            String params = r.get("searchParam").toString();
            assertThat(params).as(type).contains("\"_text\"", "\"_content\"", "\"_filter\"", "\"_list\"", "\"_source\"", "\"_language\"");
            assertThat(r.get("operation").toString()).as(type).contains("\"validate\"", "\"meta\"", "\"meta-add\"", "\"meta-delete\"");
            for (JsonNode p : r.get("searchParam")) {
                if (p.get("type").asText().equals("token") && !p.get("name").asText().startsWith("_")) {
                    assertThat(p.get("documentation").asText()).as(type + "." + p.get("name").asText())
                            .startsWith(Conformance.modifiers(ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum.TOKEN));
                }
            }
            if (type.equals("Observation")) assertThat(r.get("operation").toString()).contains("\"lastn\"");
            if (type.equals("Encounter") || type.equals("Patient")) assertThat(r.get("operation").toString()).contains("\"everything\"");
            if (type.equals("ValueSet")) assertThat(r.get("operation").toString()).contains("\"expand\"", "\"validate-code\"");
            if (type.equals("CodeSystem")) assertThat(r.get("operation").toString()).contains("\"subsumes\"", "\"lookup\"");
            assertThat(r.get("searchRevInclude").toString()).as(type).contains("\"*\"");
        }
    }

    @Test
    void historyPagesFollowEachOtherAndAReplayedLinkIsConfinedToItsToken() {
        for (int i = 0; i < 3; i++) http.put(patient("rc-hs" + i, "Hist" + i));
        JsonNode first = FhirHttp.json(http.get("/fhir/Patient/_history?_count=2").body());
        int total = first.get("total").asInt();
        java.util.List<String> seen = new java.util.ArrayList<>();
        for (JsonNode e : first.path("entry")) seen.add(e.get("fullUrl").asText() + " " + e.at("/resource/meta/versionId").asText());
        assertThat(seen).hasSize(2);
        String next = null;
        for (JsonNode l : first.path("link")) if (l.get("relation").asText().equals("next")) next = l.get("url").asText();
        JsonNode second = FhirHttp.json(http.get(next).body());
        assertThat(second.get("total").asInt()).isEqualTo(total);
        assertThat(second.path("entry").size()).isPositive();
        for (JsonNode e : second.path("entry")) {
            assertThat(seen).doesNotContain(e.get("fullUrl").asText() + " " + e.at("/resource/meta/versionId").asText());
        }
        // the link replayed with a patient's token reads as that token: its own compartment only
        String own = token("other-client", null, "rc-hs0", java.util.List.of("patient/*.rs"));
        HttpResponse<String> replayed = new FhirHttp(httpPort, own).get(next);
        assertThat(replayed.statusCode()).isEqualTo(200);
        for (JsonNode e : FhirHttp.json(replayed.body()).path("entry")) {
            assertThat(e.get("fullUrl").asText()).endsWith("/Patient/rc-hs0");
        }
    }
}
