package org.caregraph;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** Larger populations made from the Synthea fixture in the repository. */
public final class Fixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {
    }

    /**
     * The fixture {@code copies} times over under fresh ids ({@code c<copy>} prefixed), one Bundle a line, as NDJSON.
     *
     * @return resources per type in the file
     */
    public static Map<String, Long> copies(Path out, int copies) throws IOException {
        Map<String, Long> types = new TreeMap<>();
        try (Writer w = Files.newBufferedWriter(out)) {
            for (int copy = 0; copy < copies; copy++) {
                for (File f : GraphTest.SYNTHEA.toFile().listFiles()) {
                    String text = Files.readString(f.toPath()).replace("urn:uuid:", "urn:uuid:c" + copy);
                    JsonNode bundle = JSON.readTree(text);
                    for (JsonNode e : bundle.get("entry")) {
                        ObjectNode r = (ObjectNode) e.get("resource");
                        r.put("id", "c" + copy + r.get("id").asText());
                        types.merge(r.get("resourceType").asText(), 1L, Long::sum);
                    }
                    w.write(JSON.writeValueAsString(bundle));
                    w.write('\n');
                }
            }
        }
        return types;
    }
}
