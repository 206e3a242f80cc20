package org.caregraph.nlp;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeTraversor;
import org.jsoup.select.NodeVisitor;

/**
 * The text of a note: each attachment of a DocumentReference's content and of a DiagnosticReport's presentedForm that
 * is text/plain or text/html, inline (base64 data) or in a stored Binary ({@code url} naming {@code Binary/id}).
 * HTML is parsed with jsoup and reduced to its text, block elements and line breaks becoming newlines; mention offsets
 * are relative to that extracted text, not to the markup. Other content types and external URLs are skipped.
 */
final class NoteText {
    private static final Pattern BINARY = Pattern.compile("(?:^|/)Binary/([A-Za-z0-9\\-.]{1,64})$");
    private static final Pattern CHARSET = Pattern.compile(";\\s*charset=\"?([^\";\\s]+)", Pattern.CASE_INSENSITIVE);
    private static final Set<String> TYPES = Set.of("text/plain", "text/html");

    /** One attachment's text; {@code path} is its FHIRPath (the extension and each mention name it). */
    record Source(String path, String text) {
    }

    /**
     * @param error why the note's text could not be read (undecodable data, a Binary not stored); null when it could
     */
    record Extracted(List<Source> sources, int skipped, String error) {
    }

    private NoteText() {
    }

    /** Resource types whose attachments are notes, and where their attachments are. */
    static String attachments(String type) {
        return switch (type) {
            case "DocumentReference" -> "content";
            case "DiagnosticReport" -> "presentedForm";
            default -> null;
        };
    }

    /**
     * @param note     the note's JSON
     * @param binaries a stored Binary's JSON by key ({@code Binary/id}), empty when there is none
     */
    static Extracted extract(String type, JsonNode note, Function<String, Optional<JsonNode>> binaries) {
        String field = attachments(type);
        JsonNode items = note.path(field);
        List<Source> sources = new ArrayList<>();
        int skipped = 0;
        for (int i = 0; i < items.size(); i++) {
            JsonNode attachment = type.equals("DocumentReference") ? items.get(i).path("attachment") : items.get(i);
            String path = type + "." + field + "[" + i + "]" + (type.equals("DocumentReference") ? ".attachment" : "");
            String contentType = attachment.path("contentType").asText(null);
            String data = attachment.path("data").asText(null);
            String url = attachment.path("url").asText(null);
            if (data == null && url != null) {
                Matcher m = BINARY.matcher(url);
                if (!m.find()) {
                    skipped++; // an external document: not fetched
                    continue;
                }
                String key = "Binary/" + m.group(1);
                Optional<JsonNode> binary = binaries.apply(key);
                if (binary.isEmpty()) return new Extracted(List.of(), skipped, path + ".url: " + key + " is not stored");
                data = binary.get().path("data").asText(null);
                if (contentType == null) contentType = binary.get().path("contentType").asText(null);
            }
            String mime = contentType == null ? null : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (data == null || !TYPES.contains(mime)) {
                skipped++;
                continue;
            }
            byte[] bytes;
            try {
                bytes = Base64.getMimeDecoder().decode(data);
            } catch (IllegalArgumentException e) {
                return new Extracted(List.of(), skipped, path + ".data is not base64");
            }
            String text = new String(bytes, charset(contentType));
            sources.add(new Source(path, mime.equals("text/html") ? htmlText(text) : text));
        }
        return new Extracted(sources, skipped, null);
    }

    private static Charset charset(String contentType) {
        Matcher m = CHARSET.matcher(contentType);
        if (!m.find()) return StandardCharsets.UTF_8;
        try {
            return Charset.forName(m.group(1));
        } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /** The text a reader sees: text nodes of the body as written, block boundaries and {@code <br>} as newlines. */
    static String htmlText(String html) {
        StringBuilder out = new StringBuilder();
        NodeTraversor.traverse(new NodeVisitor() {
            @Override
            public void head(Node node, int depth) {
                if (node instanceof TextNode t) out.append(t.getWholeText());
                else if (node instanceof Element e && (e.isBlock() || e.normalName().equals("br"))) newline(out);
            }

            @Override
            public void tail(Node node, int depth) {
                if (node instanceof Element e && e.isBlock()) newline(out);
            }
        }, Jsoup.parse(html).body());
        return out.toString().strip();
    }

    private static void newline(StringBuilder out) {
        if (!out.isEmpty() && out.charAt(out.length() - 1) != '\n') out.append('\n');
    }
}
