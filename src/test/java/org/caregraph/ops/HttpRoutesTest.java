package org.caregraph.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The FHIR route tag: resource types and operations the server knows, ids and anything invented replaced by shapes. */
class HttpRoutesTest {
    private final HttpRoutes routes = new HttpRoutes(Set.of("Patient", "Observation"), Set.of("$everything", "$export"));

    @Test
    void shapes() {
        assertThat(routes.fhirRoute("")).isEqualTo("/fhir");
        assertThat(routes.fhirRoute("/metadata")).isEqualTo("/fhir/metadata");
        assertThat(routes.fhirRoute("/Patient")).isEqualTo("/fhir/Patient");
        assertThat(routes.fhirRoute("/Patient/123")).isEqualTo("/fhir/Patient/{id}");
        assertThat(routes.fhirRoute("/Patient/123/$everything")).isEqualTo("/fhir/Patient/{id}/$everything");
        assertThat(routes.fhirRoute("/Patient/123/_history/4")).isEqualTo("/fhir/Patient/{id}/_history/{vid}");
        assertThat(routes.fhirRoute("/Observation/_search")).isEqualTo("/fhir/Observation/_search");
        assertThat(routes.fhirRoute("/$export")).isEqualTo("/fhir/$export");
    }

    @Test
    void inventedNamesAreBounded() {
        assertThat(routes.fhirRoute("/Smith")).isEqualTo("/fhir/{type}");
        assertThat(routes.fhirRoute("/patient/1")).isEqualTo("/fhir/{type}/{id}");
        assertThat(routes.fhirRoute("/Patient/1/$steal")).isEqualTo("/fhir/Patient/{id}/{operation}");
        assertThat(routes.fhirRoute("/Patient/1/a/b/c/d/e/f/g")).isEqualTo("/fhir/Patient/{id}/{segment}/{segment}/{segment}");
    }
}
