package org.caregraph.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The official SQL on FHIR v2 test suite (src/test/resources/sql-on-fhir-v2, MIT, copied from the spec's repository),
 * every case, no exclusions: each view is compiled and run over the file's resources by {@link ViewDefinition}, and
 * the rows compared with the expected ones as a multiset (the spec does not order rows). The suite's JSON test report
 * ({@code {"file.json": {"tests": [{"name", "result": {"passed"}}]}}}) is written to
 * {@code target/sql-on-fhir-v2/test-report.json}.
 */
class SqlOnFhirSuiteTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final ViewCompiler COMPILER = new ViewCompiler(FHIR);
    private static final Map<String, Map<String, Boolean>> REPORT = new ConcurrentHashMap<>();

    static Stream<Arguments> cases() throws IOException, URISyntaxException {
        Path dir = Path.of(SqlOnFhirSuiteTest.class.getClassLoader().getResource("sql-on-fhir-v2/tests").toURI());
        List<Arguments> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                JsonNode suite = JSON.readTree(file.toFile());
                for (JsonNode test : suite.get("tests")) {
                    out.add(Arguments.of(file.getFileName().toString(), test.get("title").asText(), suite.get("resources"), test));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void suite(String file, String title, JsonNode resources, JsonNode test) {
        boolean passed = false;
        try {
            check(resources, test);
            passed = true;
        } finally {
            REPORT.computeIfAbsent(file, f -> new ConcurrentHashMap<>()).put(title, passed);
        }
    }

    private static void check(JsonNode resources, JsonNode test) {
        if (test.path("expectError").asBoolean(false)) {
            assertThatThrownBy(() -> run(resources, test.get("view")))
                    .isInstanceOf(ViewException.class).satisfies(e -> assertThat(((ViewException) e).element()).isNotNull());
            return;
        }
        ViewDefinition view = COMPILER.compile(test.get("view"));
        if (test.has("expectColumns")) {
            assertThat(view.columns().stream().map(ViewDefinition.Column::name).toList())
                    .containsExactlyElementsOf(JSON.convertValue(test.get("expectColumns"), List.class));
        }
        List<String> expected = new ArrayList<>();
        for (JsonNode row : test.get("expect")) expected.add(canonical(row));
        List<String> actual = new ArrayList<>();
        for (Map<String, Object> row : run(resources, test.get("view"))) actual.add(canonical(JSON.valueToTree(row)));
        assertThat(actual).containsExactlyInAnyOrderElementsOf(expected);
    }

    /** The view's rows over the suite's resources, as column name → value. */
    private static List<Map<String, Object>> run(JsonNode resources, JsonNode viewJson) {
        ViewDefinition view = COMPILER.compile(viewJson);
        List<Map<String, Object>> out = new ArrayList<>();
        for (JsonNode r : resources) {
            Resource resource = (Resource) FHIR.newJsonParser().parseResource(r.toString());
            for (Object[] row : view.rows(resource)) {
                Map<String, Object> m = new TreeMap<>();
                for (int i = 0; i < row.length; i++) m.put(view.columns().get(i).name(), row[i]);
                out.add(m);
            }
        }
        return out;
    }

    /** A row as sorted-key JSON with numbers in one form (5 and 5.0 are the same value). */
    private static String canonical(JsonNode row) {
        return normalize(row).toString();
    }

    private static JsonNode normalize(JsonNode n) {
        if (n.isNumber()) return JSON.getNodeFactory().numberNode(new BigDecimal(n.asText()).stripTrailingZeros());
        if (n.isArray()) {
            ArrayNode a = JSON.createArrayNode();
            n.forEach(x -> a.add(normalize(x)));
            return a;
        }
        if (n.isObject()) {
            ObjectNode o = JSON.createObjectNode();
            toMap(n).forEach((k, v) -> o.set(k, normalize(v)));
            return o;
        }
        return n;
    }

    private static Map<String, JsonNode> toMap(JsonNode n) {
        Map<String, JsonNode> m = new TreeMap<>();
        n.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }

    @AfterAll
    static void writeReport() throws IOException {
        ObjectNode report = JSON.createObjectNode();
        new TreeMap<>(REPORT).forEach((file, tests) -> {
            ArrayNode list = report.putObject(file).putArray("tests");
            new TreeMap<>(tests).forEach((name, passed) -> {
                ObjectNode t = list.addObject().put("name", name);
                t.putObject("result").put("passed", passed);
            });
        });
        Path out = Path.of("target", "sql-on-fhir-v2", "test-report.json");
        Files.createDirectories(out.getParent());
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), report);
    }
}
