package org.caregraph.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * {@code caregraph reindex} on a graph as an older CareGraph left it (no search values, no node facts, no code
 * relationships): everything derived comes back from the stored JSON, with no new version, and FHIR search finds it.
 */
class ReindexTest extends GraphTest {
    @Autowired GraphReindex reindex;
    private final HttpClient http = HttpClient.newHttpClient();

    private int search(String query) throws Exception {
        HttpResponse<String> r = http.send(authorized(URI.create("http://127.0.0.1:" + httpPort + "/fhir/" + query
                + "&_summary=count")).header("Accept", "application/fhir+json").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).get("total").asInt();
    }

    @Test
    void derivedGraphComesBackFromTheStoredJsonWithoutNewVersions() throws Exception {
        clearGraph();
        requireFixture();
        importPaths(SYNTHEA);
        Map<String, Object> before = single("""
                MATCH (n:Resource) WHERE n.placeholder IS NULL
                RETURN count(n) AS resources, sum(n.versionId) AS versions, count(n.time) AS times,
                       sum(size([k IN keys(n) WHERE k STARTS WITH 'sp.'])) AS searchValues,
                       COUNT { ()-[:CODED]->() } AS coded, COUNT { ()-[r]->() WHERE r.path IS NOT NULL } AS derivedRels,
                       COUNT { ()-[:NEXT]->() } AS chain""");
        assertThat((Long) before.get("searchValues")).isPositive();
        int females = search("Patient?gender=female");
        assertThat(females).isPositive();

        // what an older CareGraph stored: the JSON and versions, none of the derived properties and relationships
        query("""
                MATCH (n:Resource) WHERE n.placeholder IS NULL
                CALL (n) { MATCH (n)-[r]->() WHERE r.path IS NOT NULL DELETE r }
                WITH n, [k IN keys(n) WHERE k STARTS WITH 'sp.'] AS sp
                CALL (n, sp) { UNWIND sp AS k SET n[k] = null }
                REMOVE n.time, n.gender, n.status, n.codingKeys""");
        assertThat(search("Patient?gender=female")).isZero();

        GraphReindex.Progress done = reindex.run(500, p -> { });
        assertThat(done.failed()).isZero();
        assertThat(done.reindexed()).isEqualTo(before.get("resources"));
        assertThat(single("""
                MATCH (n:Resource) WHERE n.placeholder IS NULL
                RETURN count(n) AS resources, sum(n.versionId) AS versions, count(n.time) AS times,
                       sum(size([k IN keys(n) WHERE k STARTS WITH 'sp.'])) AS searchValues,
                       COUNT { ()-[:CODED]->() } AS coded, COUNT { ()-[r]->() WHERE r.path IS NOT NULL } AS derivedRels,
                       COUNT { ()-[:NEXT]->() } AS chain""")).isEqualTo(before);
        assertThat(search("Patient?gender=female")).isEqualTo(females);
    }
}
