package org.caregraph.graphql;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** A resource deleted over FHIR REST is gone from the analytics too: no live patient, no cohort member, no neighbour. */
class DeletedResourceGraphQlTest extends GraphQlTest {

    @Test
    void deletedPatientLeavesTheAnalytics() throws Exception {
        load(new Population()
                .patient("a", "female", "1970-01-01", "Ann", "A").patient("b", "female", "1971-01-01", "Bea", "B")
                .patient("c", "female", "1972-01-01", "Cat", "C")
                .condition("ca", "a", null, "38341003", "Hypertension", "2020-01-01T00:00:00+00:00")
                .condition("cb", "b", null, "38341003", "Hypertension", "2020-01-01T00:00:00+00:00")
                .condition("cc", "c", null, "44054006", "Diabetes", "2020-01-01T00:00:00+00:00"));
        String cohort = "{ cohort(criteria: { gender: \"female\" }) { count } }";
        String similar = "{ similarPatients(id: \"a\") { patient { id } } }";
        assertThat(data(cohort).at("/cohort/count").asInt()).isEqualTo(3);
        assertThat(data(similar).at("/similarPatients/0/patient/id").asText()).isEqualTo("b");

        HttpResponse<String> deleted = HttpClient.newHttpClient().send(authorized(
                URI.create("http://127.0.0.1:" + httpPort + "/fhir/Patient/b")).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode()).isEqualTo(200);

        assertThat(data("{ patient(id: \"b\") { id } }").get("patient").isNull()).isTrue();
        assertThat(data(cohort).at("/cohort/count").asInt()).isEqualTo(2);
        assertThat(data(similar).get("similarPatients").size()).as("b was a's only neighbour").isZero();
        assertThat(errorCode("{ similarPatients(id: \"b\") { score } }")).isEqualTo("NOT_FOUND");
    }
}
