package org.caregraph.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Streams FHIR resources out of one file: NDJSON (one resource per line, Bulk Data style), a JSON Bundle (entries
 * streamed one at a time, never the whole Bundle in memory) or a single JSON resource; gzip is detected by its magic
 * bytes. Bad lines and entries become error records; reading goes on with the next one.
 */
final class FhirFileReader {
    /** Bundles whose entries are stored as resources; other Bundles (document, message) are stored whole. */
    private static final Set<String> UNPACKED = Set.of("transaction", "batch", "collection", "searchset", "history",
            "transaction-response", "batch-response");

    private final ObjectMapper mapper = new ObjectMapper();
    private final JsonFactory factory = mapper.getFactory();

    void read(Path path, String name, Consumer<RawRecord> out) throws IOException {
        if (looksLikeNdjson(path)) readNdjson(path, name, out);
        else readDocument(path, name, out);
    }

    private static InputStream open(Path path) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        return b1 == 0x1f && b2 == 0x8b ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16) : in;
    }

    /** NDJSON when the first non-blank line is a complete JSON value by itself. */
    private boolean looksLikeNdjson(Path path) throws IOException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(open(path), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null && line.isBlank()) {
                // skip leading blank lines
            }
            if (line == null) return true;
            try {
                mapper.readTree(line);
                return true;
            } catch (JsonProcessingException e) {
                return false;
            }
        }
    }

    private void readNdjson(Path path, String name, Consumer<RawRecord> out) throws IOException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(open(path), StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            long n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                JsonNode node;
                try {
                    node = mapper.readTree(line);
                } catch (JsonProcessingException e) {
                    out.accept(RawRecord.error(name, n, null, null, "structure", "invalid JSON: " + e.getOriginalMessage()));
                    continue;
                }
                if (!(node instanceof ObjectNode obj)) {
                    out.accept(RawRecord.error(name, n, null, null, "structure", "line is not a JSON object"));
                } else if (isUnpackedBundle(obj)) {
                    emitBundleInMemory(obj, name, n, out);
                } else {
                    out.accept(RawRecord.ok(name, n, obj, null));
                }
            }
        }
    }

    private void emitBundleInMemory(ObjectNode bundle, String name, long line, Consumer<RawRecord> out) {
        Map<String, String> urns = new HashMap<>();
        JsonNode entries = bundle.path("entry");
        for (JsonNode e : entries) if (e instanceof ObjectNode entry) register(entry, urns);
        for (JsonNode e : entries) emitEntry((ObjectNode) e, name, line, urns, out);
    }

    /**
     * A JSON document: a Bundle is streamed twice, first to learn its fullUrls (only the small fullUrl → Type/id map is
     * kept), then to emit its entries; any other resource is read whole (single resources are small).
     */
    private void readDocument(Path path, String name, Consumer<RawRecord> out) throws IOException {
        Map<String, String> urns = new HashMap<>();
        String[] kind = new String[2];
        try {
            streamEntries(path, kind, (entry, line) -> register(entry, urns));
        } catch (JsonProcessingException e) {
            long line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            out.accept(RawRecord.error(name, line, null, null, "structure", "invalid JSON: " + e.getOriginalMessage()));
            return;
        }
        if (!"Bundle".equals(kind[0]) || !UNPACKED.contains(String.valueOf(kind[1]))) {
            try (InputStream in = open(path)) {
                JsonNode node = mapper.readTree(in);
                if (node instanceof ObjectNode obj) out.accept(RawRecord.ok(name, 1, obj, null));
                else out.accept(RawRecord.error(name, 1, null, null, "structure", "file is not a JSON object"));
            }
            return;
        }
        streamEntries(path, kind, (entry, line) -> emitEntry(entry, name, line, urns, out));
    }

    private interface EntryHandler {
        void accept(ObjectNode entry, long line);
    }

    /** Streams the top level of a JSON document, handing each Bundle.entry to {@code handler} with its line. */
    private void streamEntries(Path path, String[] kind, EntryHandler handler) throws IOException {
        try (InputStream in = open(path); JsonParser p = factory.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new JsonProcessingException("top level is not a JSON object", p.currentLocation()) { };
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if ("resourceType".equals(field) && t == JsonToken.VALUE_STRING) kind[0] = p.getText();
                else if ("type".equals(field) && t == JsonToken.VALUE_STRING) kind[1] = p.getText();
                else if ("entry".equals(field) && t == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        long line = p.currentLocation().getLineNr();
                        JsonNode entry = mapper.readTree(p);
                        handler.accept((ObjectNode) entry, line);
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
    }

    private static boolean isUnpackedBundle(ObjectNode obj) {
        return "Bundle".equals(obj.path("resourceType").asText()) && UNPACKED.contains(obj.path("type").asText());
    }

    /** Records fullUrl → Type/id for bundle-local reference resolution. */
    private static void register(ObjectNode entry, Map<String, String> urns) {
        String fullUrl = entry.path("fullUrl").asText(null);
        JsonNode resource = entry.get("resource");
        if (fullUrl == null || !(resource instanceof ObjectNode res) || !res.hasNonNull("resourceType")) return;
        String id = entryId(entry, res);
        if (id != null) urns.put(fullUrl, res.get("resourceType").asText() + "/" + id);
    }

    private static void emitEntry(ObjectNode entry, String name, long line, Map<String, String> urns, Consumer<RawRecord> out) {
        JsonNode resource = entry.get("resource");
        String method = entry.path("request").path("method").asText("");
        if (!(resource instanceof ObjectNode res)) {
            String why = "DELETE".equals(method)
                    ? "DELETE entries are not applied by import; use the FHIR API"
                    : "Bundle entry has no resource";
            out.accept(RawRecord.error(name, line, null, null, "not-supported", why));
            return;
        }
        if (!res.hasNonNull("id")) {
            String id = entryId(entry, res);
            if (id != null) res.set("id", TextNode.valueOf(id));
        }
        out.accept(RawRecord.ok(name, line, res, urns::get));
    }

    /**
     * The id an entry's resource is stored under: its own, else the one its PUT url or fullUrl names, else one derived
     * from its content, so that importing the same Bundle twice stores the same resource once.
     */
    private static String entryId(ObjectNode entry, ObjectNode res) {
        if (res.hasNonNull("id")) return res.get("id").asText();
        String url = entry.path("request").path("url").asText("");
        if ("PUT".equals(entry.path("request").path("method").asText()) && url.matches("[A-Za-z]+/[A-Za-z0-9\\-.]{1,64}")) {
            return url.substring(url.indexOf('/') + 1);
        }
        String fullUrl = entry.path("fullUrl").asText("");
        if (fullUrl.startsWith("urn:uuid:")) return fullUrl.substring("urn:uuid:".length());
        int slash = fullUrl.lastIndexOf('/');
        if (slash > 0 && fullUrl.startsWith("http")) return fullUrl.substring(slash + 1);
        return UUID.nameUUIDFromBytes(res.toString().getBytes(StandardCharsets.UTF_8)).toString();
    }
}
