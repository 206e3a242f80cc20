package org.caregraph.graphql;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** patient(id), and the limits and error codes every GraphQL query gets. */
class PatientGraphQlTest extends GraphQlTest {

    @BeforeEach
    void population() {
        load(new Population().patient("p1", "female", "1980-07-15", "Ada", "Lovelace"));
    }

    @Test
    void patientDemographics() {
        JsonNode p = data("query($id: ID!) { patient(id: $id) { id name gender birthDate deceased age(at: \"2020-07-14\") } }",
                "id", "p1").get("patient");
        assertThat(p.get("id").asText()).isEqualTo("p1");
        assertThat(p.get("name").asText()).isEqualTo("Ada Lovelace");
        assertThat(p.get("gender").asText()).isEqualTo("female");
        assertThat(p.get("birthDate").asText()).isEqualTo("1980-07-15");
        assertThat(p.get("deceased").isNull()).isTrue();
        assertThat(p.get("age").asInt()).isEqualTo(39);
        assertThat(data("{ patient(id: \"nobody\") { id } }").get("patient").isNull()).isTrue();
    }

    @Test
    void errorsCarryCodes() {
        assertThat(errorCode("{ patient(id: \"p1\") { age(at: \"yesterday\") } }")).isEqualTo("BAD_ARGUMENT");
        assertThat(errorCode("{ patient(id: \"p1\") { id ")).isEqualTo("GRAPHQL_PARSE_FAILED");
        assertThat(errorCode("{ patient(id: \"p1\") { shoeSize } }")).isEqualTo("GRAPHQL_VALIDATION_FAILED");
        // 13 levels: patient, encounters, edges, node, 4 x (events, encounter), id
        String deep = "{ patient(id: \"p1\") { encounters { edges { node { " + "events { encounter { ".repeat(4) + "id"
                + " } }".repeat(4) + " } } } } }";
        assertThat(errorCode(deep)).isEqualTo("QUERY_TOO_COMPLEX");
        // introspection alone may nest 15 deep (GraphiQL's nests 13), not 16
        String deepIntrospection = "{ __schema { types { fields { type { " + "ofType { ".repeat(11) + "name" + " }".repeat(11)
                + " } } } } }";
        assertThat(errorCode(deepIntrospection)).isEqualTo("QUERY_TOO_COMPLEX");
    }

    @Test
    void graphiqlIsServedAndItsIntrospectionAnswered() throws Exception {
        HttpResponse<String> r = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build().send(
                authorized(URI.create("http://127.0.0.1:" + httpPort + "/graphiql")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).containsIgnoringCase("graphiql");
        // the full introspection query (13 deep, as GraphiQL sends it) answers the schema
        JsonNode schema = data(graphql.introspection.IntrospectionQuery.INTROSPECTION_QUERY).get("__schema");
        assertThat(schema.get("queryType").get("name").asText()).isEqualTo("Query");
    }
}
