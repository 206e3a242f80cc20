package org.caregraph.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * Conditional create (If-None-Exist), update ({@code PUT Type?query}) and delete ({@code DELETE Type?query}) with no,
 * one and several matches, through real HTTP.
 */
class ConditionalTest extends FhirHttpTest {
    private static final String SYSTEM = "http://example.org/mrn";

    private static String patient(String id, String mrn, String birthDate) {
        return "{\"resourceType\":\"Patient\"" + (id == null ? "" : ",\"id\":\"" + id + "\"")
                + ",\"identifier\":[{\"system\":\"" + SYSTEM + "\",\"value\":\"" + mrn + "\"}],\"birthDate\":\"" + birthDate + "\"}";
    }

    private long patients(String mrn) {
        return count("MATCH (p:Patient)-[:IDENTIFIED_BY]->(:Identifier {key:$k}) WHERE p.deleted IS NULL RETURN count(p) AS c",
                "k", "Patient|" + SYSTEM + "|" + mrn);
    }

    @Test
    void conditionalCreate() throws Exception {
        String mrn = fresh();
        String condition = "identifier=" + SYSTEM + "|" + mrn;
        HttpResponse<String> first = send("POST", "Patient", patient(null, mrn, "1950-01-01"), "If-None-Exist", condition);
        assertThat(first.statusCode()).isEqualTo(201);
        String id = json(first).get("id").asText();

        // one match: 200 with the existing resource, nothing written
        long before = graphSize();
        HttpResponse<String> second = send("POST", "Patient", patient(null, mrn, "1999-09-09"), "If-None-Exist", "Patient?" + condition);
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(json(second).get("id").asText()).isEqualTo(id);
        assertThat(json(second).get("birthDate").asText()).isEqualTo("1950-01-01");
        assertThat(graphSize()).isEqualTo(before);

        // several matches: 412, nothing written
        send("PUT", "Patient/dup-" + mrn, patient("dup-" + mrn, mrn, "1960-01-01"));
        before = graphSize();
        HttpResponse<String> third = send("POST", "Patient", patient(null, mrn, "1970-01-01"), "If-None-Exist", condition);
        assertThat(third.statusCode()).isEqualTo(412);
        assertThat(json(third).get("resourceType").asText()).isEqualTo("OperationOutcome");
        assertThat(graphSize()).isEqualTo(before);

        // the condition is a full search: a parameter no Patient has is refused, not guessed
        assertThat(send("POST", "Patient", patient(null, mrn, "1970-01-01"), "If-None-Exist", "no-such-param=1").statusCode())
                .isEqualTo(400);
        assertThat(patients(mrn)).isEqualTo(2);
        // any search parameter works: of the two with that MRN one was born 1950-01-01, so that one is the match
        HttpResponse<String> narrowed = send("POST", "Patient", patient(null, mrn, "1970-01-01"), "If-None-Exist",
                condition + "&birthdate=1950-01-01");
        assertThat(narrowed.statusCode()).isEqualTo(200);
        assertThat(json(narrowed).get("id").asText()).isEqualTo(id);
        assertThat(patients(mrn)).isEqualTo(2);
    }

    /**
     * Concurrent conditional creates of the same patient, as POSTs and as transaction entries: the match and the write
     * happen under the writer lock, so exactly one is created.
     */
    @Test
    void concurrentConditionalCreatesCreateOnce() throws Exception {
        String mrn = fresh();
        String condition = "identifier=" + SYSTEM + "|" + mrn;
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
                + patient(null, mrn, "1950-01-01") + ",\"request\":{\"method\":\"POST\",\"url\":\"Patient\","
                + "\"ifNoneExist\":\"" + condition + "\"}}]}";
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            java.util.List<java.util.concurrent.Future<HttpResponse<String>>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return send("POST", "", bundle);
                }));
            }
            go.countDown();
            for (var answer : answers) {
                assertThat(answer.get(60, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
            assertThat(patients(mrn)).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        concurrentPosts(fresh());
    }

    private void concurrentPosts(String mrn) throws Exception {
        String condition = "identifier=" + SYSTEM + "|" + mrn;
        int clients = 8;
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
        try {
            java.util.List<java.util.concurrent.Future<HttpResponse<String>>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < clients; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return send("POST", "Patient", patient(null, mrn, "1950-01-01"), "If-None-Exist", condition);
                }));
            }
            go.countDown();
            java.util.Set<String> ids = new java.util.HashSet<>();
            int created = 0;
            for (var answer : answers) {
                HttpResponse<String> r = answer.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
                if (r.statusCode() == 201) created++;
                ids.add(json(r).get("id").asText());
            }
            assertThat(created).isEqualTo(1);
            assertThat(ids).hasSize(1);
            assertThat(patients(mrn)).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void conditionalUpdate() throws Exception {
        String mrn = fresh();
        String url = "Patient?identifier=" + SYSTEM + "%7C" + mrn;
        // no match: created, under a new id
        HttpResponse<String> created = send("PUT", url, patient(null, mrn, "1950-01-01"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = json(created).get("id").asText();
        assertThat(patients(mrn)).isEqualTo(1);

        // one match: that resource is updated
        HttpResponse<String> updated = send("PUT", url, patient(null, mrn, "1950-01-02"));
        assertThat(updated.statusCode()).isEqualTo(200);
        assertThat(json(updated).get("id").asText()).isEqualTo(id);
        assertThat(json(send("GET", "Patient/" + id, null)).at("/meta/versionId").asText()).isEqualTo("2");
        assertThat(patients(mrn)).isEqualTo(1);
        // one match, but the body names another id: 400
        assertThat(send("PUT", url, patient("someone-else", mrn, "1950-01-03")).statusCode()).isEqualTo(400);

        // several matches: 412, nothing written
        send("PUT", "Patient/dup-" + mrn, patient("dup-" + mrn, mrn, "1960-01-01"));
        long before = graphSize();
        assertThat(send("PUT", url, patient(null, mrn, "1970-01-01")).statusCode()).isEqualTo(412);
        assertThat(graphSize()).isEqualTo(before);
        assertThat(json(send("GET", "Patient/" + id, null)).get("birthDate").asText()).isEqualTo("1950-01-02");
    }

    @Test
    void conditionalDelete() throws Exception {
        String mrn = fresh();
        String url = "Patient?identifier=" + SYSTEM + "%7C" + mrn;
        // no match: nothing to delete
        HttpResponse<String> none = send("DELETE", url, null);
        assertThat(none.statusCode()).isEqualTo(200);
        assertThat(json(none).at("/issue/0/diagnostics").asText()).startsWith("nothing deleted");

        // several matches: 412, both stay
        send("PUT", "Patient/a-" + mrn, patient("a-" + mrn, mrn, "1960-01-01"));
        send("PUT", "Patient/b-" + mrn, patient("b-" + mrn, mrn, "1960-01-01"));
        assertThat(send("DELETE", url, null).statusCode()).isEqualTo(412);
        assertThat(patients(mrn)).isEqualTo(2);

        // one match: deleted (a tombstone: 410 on read)
        assertThat(send("DELETE", "Patient/b-" + mrn, null).statusCode()).isEqualTo(200);
        HttpResponse<String> one = send("DELETE", url, null);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(json(one).at("/issue/0/diagnostics").asText()).startsWith("deleted Patient/a-" + mrn);
        assertThat(send("GET", "Patient/a-" + mrn, null).statusCode()).isEqualTo(410);
        assertThat(patients(mrn)).isZero();
    }

    @Test
    void conditionalEntriesInATransaction() throws Exception {
        String mrn = fresh();
        String condition = "identifier=" + SYSTEM + "|" + mrn;
        // two entries with the same ifNoneExist in one Bundle create one resource, and the other answers with it
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                + "{\"fullUrl\":\"urn:uuid:" + fresh() + "\",\"resource\":" + patient(null, mrn, "1950-01-01")
                + ",\"request\":{\"method\":\"POST\",\"url\":\"Patient\",\"ifNoneExist\":\"" + condition + "\"}},"
                + "{\"fullUrl\":\"urn:uuid:" + fresh() + "\",\"resource\":" + patient(null, mrn, "1950-01-01")
                + ",\"request\":{\"method\":\"POST\",\"url\":\"Patient\",\"ifNoneExist\":\"" + condition + "\"}}]}";
        var out = json(send("POST", "", bundle));
        assertThat(out.at("/entry/0/response/status").asText()).isEqualTo("201 Created");
        assertThat(out.at("/entry/1/response/status").asText()).isEqualTo("200 OK");
        assertThat(out.at("/entry/1/response/location").asText()).isEqualTo(out.at("/entry/0/response/location").asText());
        assertThat(patients(mrn)).isEqualTo(1);

        // conditional update and delete entries
        String update = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                + "{\"resource\":" + patient(null, mrn, "1950-01-05") + ",\"request\":{\"method\":\"PUT\",\"url\":\"Patient?" + condition + "\"}}]}";
        out = json(send("POST", "", update));
        assertThat(out.at("/entry/0/response/status").asText()).isEqualTo("200 OK");
        assertThat(out.at("/entry/0/response/etag").asText()).isEqualTo("W/\"2\"");
        String delete = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                + "{\"request\":{\"method\":\"DELETE\",\"url\":\"Patient?" + condition + "\"}}]}";
        out = json(send("POST", "", delete));
        assertThat(out.at("/entry/0/response/status").asText()).isEqualTo("204 No Content");
        assertThat(patients(mrn)).isZero();
    }
}
