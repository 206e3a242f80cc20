package org.caregraph.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The NDJSON error report of an import: one line per rejected record with file, line, resource type and id, and an
 * OperationOutcome saying why. It is data for the operator, never written to the application log (it may hold PHI).
 */
public final class ErrorReport implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path path;
    private BufferedWriter out;
    private long count;

    public ErrorReport(Path path) {
        this.path = path;
    }

    public Path path() {
        return path;
    }

    public synchronized long count() {
        return count;
    }

    public synchronized void add(String file, long line, String resourceType, String id, String code,
                                 String diagnostics, String expression) {
        ObjectNode row = JSON.createObjectNode();
        row.put("file", file);
        row.put("line", line);
        if (resourceType != null) row.put("resourceType", resourceType);
        if (id != null) row.put("id", id);
        ObjectNode outcome = row.putObject("outcome");
        outcome.put("resourceType", "OperationOutcome");
        ObjectNode issue = outcome.putArray("issue").addObject();
        issue.put("severity", "error");
        issue.put("code", code);
        issue.put("diagnostics", diagnostics);
        if (expression != null) {
            ArrayNode expr = issue.putArray("expression");
            expr.add(expression);
        }
        try {
            if (out == null) {
                if (path.getParent() != null) Files.createDirectories(path.getParent());
                // a record may carry text no charset can encode (a JSON-escaped lone surrogate): replaced, so a
                // hostile line is reported instead of failing the import (found by ApiFuzzProperties)
                out = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(path), StandardCharsets.UTF_8));
            }
            out.write(JSON.writeValueAsString(row));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write error report " + path, e);
        }
        count++;
    }

    @Override
    public synchronized void close() throws IOException {
        if (out != null) out.close();
    }
}
