package org.caregraph.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.Test;

/** Malformed requests the fuzzing found answered with 500 or with a JDK exception's name: 400, and nothing internal. */
class UnreadableRequestsTest extends GraphTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> send(String path, String contentType, String body) throws Exception {
        HttpRequest.Builder r = authorized(URI.create("http://127.0.0.1:" + httpPort + "/fhir" + path))
                .header("Accept", "application/fhir+json");
        r = body == null ? r.GET() : r.header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void parameterNamesThatCollideOnceDecoded() throws Exception {
        HttpResponse<String> r = send("/Group?%00%3A%00=2025-01-01&%00=2025-01-01", null, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("OperationOutcome").doesNotContain("Duplicate key", "java.");
        HttpResponse<String> nameless = send("/Patient?=2025-01-01", null, null);
        assertThat(nameless.statusCode()).as(nameless.body()).isEqualTo(400);
    }

    @Test
    void blankResourceType() throws Exception {
        HttpResponse<String> r = send("/Patient", "application/fhir+json", "{\"resourceType\":\"\",\"id\":\"x\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        HttpResponse<String> t = send("", "application/fhir+json", "{\"resourceType\":\"Bundle\",\"type\":\"transaction\","
                + "\"entry\":[{\"resource\":{\"resourceType\":\"\"},\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}]}");
        assertThat(t.statusCode()).as(t.body()).isEqualTo(400);
        HttpResponse<String> e = send("/Patient", "application/fhir+json", "{\"resourceType\":\"Patient\",\"\":3.14}");
        assertThat(e.statusCode()).as(e.body()).isEqualTo(400);
    }

    @Test
    void parseErrorsNameNoJdkException() throws Exception {
        HttpResponse<String> r = send("/Patient", "application/fhir+xml",
                "<Patient xmlns=\"http://hl7.org/fhir\"><multipleBirthInteger value=\"twelve\"/></Patient>");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("multipleBirthInteger").doesNotContain("java.lang", "NumberFormatException");
    }
}
