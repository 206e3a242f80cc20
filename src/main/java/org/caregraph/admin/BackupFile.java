package org.caregraph.admin;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.neo4j.driver.Record;
import org.neo4j.driver.Value;

/**
 * The backup stream: gzip-compressed NDJSON, one JSON object a line.
 * <pre>
 * {"backup": {"format": 1, "started": ...}}                                   header
 * {"n": id, "labels": [...], "props": {...}, "out": [{"type", "props", "to": id}]}  a node with its outgoing relationships
 * {"pass": k, "locked": bool}     a later pass: the nodes changed while the earlier ones were read, read again
 * {"gone": id}                    (in a pass) a node deleted meanwhile
 * {"end": {"cut": ..., ...}}      trailer: without it the backup is incomplete
 * </pre>
 * Ids are the source database's element ids, used only to join relationships to their end nodes. The last record of
 * an id wins: the graph as of the cut is every node's last record, less those gone.
 */
public final class BackupFile {
    static final int FORMAT = 1;
    static final ObjectMapper JSON = new ObjectMapper();

    private BackupFile() {
    }

    /** A node as restored: its labels, properties and outgoing relationships. */
    public record Node(String id, List<String> labels, Map<String, Object> props, List<Rel> out) {
    }

    /** An outgoing relationship to the node with id {@code to}. */
    public record Rel(String type, Map<String, Object> props, String to) {
    }

    /** Writes a backup stream. */
    static final class Writer implements AutoCloseable {
        private final OutputStream stream;
        private final JsonGenerator g;
        long nodes;

        Writer(OutputStream out) throws IOException {
            this(out, true);
        }

        /** {@code gzip} false: plain lines, for a part that {@link #append} later adds to a compressed stream. */
        Writer(OutputStream out, boolean gzip) throws IOException {
            stream = gzip ? new GZIPOutputStream(new BufferedOutputStream(out, 1 << 16), 1 << 16) : out;
            g = JSON.getFactory().createGenerator(stream, JsonEncoding.UTF8);
            g.setRootValueSeparator(null);
        }

        void header(Map<String, Object> fields) throws IOException {
            line(Map.of("backup", with(fields, "format", FORMAT)));
        }

        /** A node row of backup/nodes.cypher: id, labels, props, out. */
        void node(Record r) throws IOException {
            g.writeStartObject();
            g.writeStringField("n", r.get("id").asString());
            g.writeArrayFieldStart("labels");
            for (Value l : r.get("labels").values()) g.writeString(l.asString());
            g.writeEndArray();
            g.writeFieldName("props");
            BackupValues.writeProperties(g, r.get("props"));
            g.writeArrayFieldStart("out");
            for (Value rel : r.get("out").values()) {
                g.writeStartObject();
                g.writeStringField("type", rel.get("type").asString());
                g.writeFieldName("props");
                BackupValues.writeProperties(g, rel.get("props"));
                g.writeStringField("to", rel.get("to").asString());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw('\n');
            nodes++;
        }

        void pass(int k, boolean locked) throws IOException {
            line(Map.of("pass", k, "locked", locked));
        }

        void gone(String id) throws IOException {
            line(Map.of("gone", id));
        }

        void end(Map<String, Object> fields) throws IOException {
            line(Map.of("end", fields));
        }

        private void line(Object value) throws IOException {
            JSON.writeValue(g, value);
            g.writeRaw('\n');
        }

        /** Appends the lines another (plain) writer wrote to {@code part}, counting its nodes. */
        void append(Path part, long partNodes) throws IOException {
            g.flush();
            Files.copy(part, stream);
            nodes += partNodes;
        }

        @Override
        public void close() throws IOException {
            g.close();
            stream.close();
        }

        private static Map<String, Object> with(Map<String, Object> m, String k, Object v) {
            Map<String, Object> out = new java.util.LinkedHashMap<>(m);
            out.put(k, v);
            return out;
        }
    }

    /**
     * A backup file read back: checked for its header and trailer (a cut-off download or a truncated file has no
     * trailer), with the last line of every id that later passes wrote (those are few: the nodes changed during the
     * backup), so that {@link #forEachNode} gives each node of the cut once.
     */
    public static final class Reader {
        private final Path file;
        private final ObjectNode header;
        private final ObjectNode end;
        /** for ids written again by a later pass: the line of their last record */
        private final Map<String, Long> last;
        private final Map<String, Long> labels = new TreeMap<>();
        private final Map<String, Long> relationships = new TreeMap<>();
        private long nodeCount;

        public Reader(Path file) {
            this.file = file;
            Map<String, Long> lastLine = new HashMap<>();
            ObjectNode[] ends = new ObjectNode[2];
            boolean[] inPass = {false};
            lines(file, (line, node) -> {
                if (line == 0) {
                    if (!node.has("backup") || node.get("backup").path("format").asInt() != FORMAT) {
                        throw new IllegalArgumentException(file + " is not a CareGraph backup (format " + FORMAT + ")");
                    }
                    ends[0] = (ObjectNode) node.get("backup");
                } else if (node.has("pass")) {
                    ends[1] = null;
                    inPass[0] = true;
                } else if (node.has("end")) {
                    ends[1] = (ObjectNode) node.get("end");
                } else if (inPass[0]) {
                    lastLine.put(node.has("gone") ? node.get("gone").asText() : node.get("n").asText(), line);
                }
            });
            if (ends[0] == null) throw new IllegalArgumentException(file + " is empty");
            if (ends[1] == null) throw new IllegalArgumentException(file + " is incomplete: it has no trailer (the backup did not finish)");
            this.header = ends[0];
            this.end = ends[1];
            this.last = lastLine;
            forEachNode(n -> {
                nodeCount++;
                for (String l : n.labels()) labels.merge(l, 1L, Long::sum);
                for (Rel r : n.out()) relationships.merge(r.type(), 1L, Long::sum);
            });
        }

        /** Every node of the cut once, with its outgoing relationships. */
        public void forEachNode(Consumer<Node> consumer) {
            lines(file, (line, node) -> {
                if (!node.has("n")) return;
                String id = node.get("n").asText();
                Long at = last.get(id);
                if (at != null && at != line) return; // a later record of this id (or its deletion) wins
                List<String> labels = new ArrayList<>();
                node.get("labels").forEach(l -> labels.add(l.asText()));
                List<Rel> out = new ArrayList<>();
                for (JsonNode r : node.get("out")) {
                    out.add(new Rel(r.get("type").asText(), BackupValues.properties(r.get("props")), r.get("to").asText()));
                }
                consumer.accept(new Node(id, labels, BackupValues.properties(node.get("props")), out));
            });
        }

        public ObjectNode header() {
            return header;
        }

        /** The trailer: the cut, how it was taken, the audit log's position. */
        public ObjectNode end() {
            return end;
        }

        public long nodes() {
            return nodeCount;
        }

        /** Nodes per label (a node with two labels counts under each). */
        public Map<String, Long> labels() {
            return labels;
        }

        /** Relationships per type. */
        public Map<String, Long> relationships() {
            return relationships;
        }

        public long totalRelationships() {
            return relationships.values().stream().mapToLong(Long::longValue).sum();
        }

        private interface LineConsumer {
            void accept(long line, JsonNode node);
        }

        private static void lines(Path file, LineConsumer consumer) {
            try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16), 1 << 16);
                 MappingIterator<JsonNode> it = JSON.readerFor(JsonNode.class).readValues(in)) {
                long line = 0;
                while (it.hasNextValue()) consumer.accept(line++, it.nextValue());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read backup " + file + ": " + e.getMessage(), e);
            }
        }
    }
}
