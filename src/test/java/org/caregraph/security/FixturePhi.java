package org.caregraph.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The protected health information of a directory of FHIR Bundles, read from the data itself: every person's name
 * parts, every identifier value (with the UUID of a {@code urn:uuid:} one), phone numbers and e-mail addresses, street
 * lines, and the lines of every text attachment (the notes). Short strings are left out, since they would match by
 * chance ("Mr.", "MA").
 */
record FixturePhi(Set<String> names, Set<String> identifiers, Set<String> contacts, Set<String> noteLines) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static FixturePhi of(Path dir) {
        FixturePhi phi = new FixturePhi(new TreeSet<>(), new TreeSet<>(), new TreeSet<>(), new TreeSet<>());
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                for (JsonNode entry : JSON.readTree(f.toFile()).path("entry")) phi.walk(null, entry.path("resource"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return phi;
    }

    Stream<String> all() {
        return Stream.of(names, identifiers, contacts, noteLines).flatMap(Set::stream);
    }

    private void walk(String field, JsonNode node) {
        if (node.isArray()) {
            for (JsonNode item : node) walk(field, item);
            return;
        }
        if (!node.isObject()) return;
        if ("name".equals(field) && (node.has("family") || node.has("given"))) {
            add(names, node.path("family"), 4);
            for (JsonNode given : node.path("given")) add(names, given, 4);
        }
        if ("identifier".equals(field)) {
            add(identifiers, node.path("value"), 6);
            String value = node.path("value").asText();
            if (value.startsWith("urn:uuid:")) identifiers.add(value.substring("urn:uuid:".length()));
        }
        if ("telecom".equals(field)) add(contacts, node.path("value"), 6);
        if ("address".equals(field)) for (JsonNode line : node.path("line")) add(contacts, line, 6);
        if (node.path("contentType").asText().startsWith("text/") && node.has("data")) {
            String text = new String(Base64.getDecoder().decode(node.get("data").asText()), StandardCharsets.UTF_8);
            text.lines().map(String::strip).filter(l -> l.length() >= 25).forEach(noteLines::add);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> child = it.next();
            walk(child.getKey(), child.getValue());
        }
    }

    private static void add(Set<String> into, JsonNode value, int minLength) {
        String text = value.asText("").strip();
        if (text.length() >= minLength) into.add(text);
    }
}
