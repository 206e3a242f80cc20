package org.caregraph.fhir.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The exported line's meta spliced into the stored text equals the parsed-and-written one, or is left to it. */
class ExportMetaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TIME = "2026-12-08T01:02:03.456Z";

    @Test
    void splicedMetaEqualsTheParsedOne() throws Exception {
        for (String json : List.of(
                "{\"resourceType\":\"Patient\",\"id\":\"p-1.a\",\"gender\":\"female\"}",
                "{\"resourceType\":\"Patient\",\"id\":\"p1\"}",
                "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"meta\":{\"profile\":[\"http://x\"]},\"status\":\"final\"}",
                "{\"resourceType\":\"Observation\",\"id\":\"o1\",\"meta\":{},\"status\":\"final\"}",
                "{\"resourceType\":\"Condition\",\"id\":\"c1\",\"contained\":[{\"resourceType\":\"Patient\",\"id\":\"x\",\"meta\":{\"tag\":[]}}],"
                        + "\"note\":[{\"text\":\"caf\u00e9 \\\"quoted\\\" \\\\n\"}]}")) {
            String spliced = ExportJobs.spliceMeta(json, 7, TIME);
            assertThat(spliced).as(json).isNotNull();
            assertThat(JSON.readTree(spliced)).as(json).isEqualTo(ExportJobs.withMeta(json, 7, TIME));
            assertThat(JSON.readTree(spliced).at("/meta/versionId").asText()).isEqualTo("7");
        }
    }

    @Test
    void anyOtherFormIsLeftToTheParser() {
        for (String json : List.of(
                "{\"id\":\"p1\",\"resourceType\":\"Patient\"}",                                              // another order
                "{ \"resourceType\":\"Patient\",\"id\":\"p1\"}",                                             // not compact
                "{\"resourceType\":\"Patient\",\"id\":\"p1\",\n\"gender\":\"male\"}",                         // two lines
                "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"meta\":{\"versionId\":\"3\"}}",                 // a version of its own
                "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"meta\":{\"lastUpdated\":\"2020-01-01T00:00:00Z\"}}",
                "{\"resourceType\":\"Patient\",\"id\":\"p\\u0031\"}",                                        // an escaped id
                "{\"resourceType\":\"Patient\",\"id\":\"\"}",
                "{\"resourceType\":\"Patient\",\"meta\":{}}",                                                 // no id
                "not json")) {
            assertThat(ExportJobs.spliceMeta(json, 1, TIME)).as(json).isNull();
        }
        assertThat(ExportJobs.spliceMeta(null, 1, TIME)).isNull();
        assertThat(ExportJobs.spliceMeta("{\"resourceType\":\"Patient\",\"id\":\"p1\"}", 1, null)).isNull();
    }
}
