package org.caregraph.nlp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Finds section headers (medspaCy's section_patterns.json plus CareGraph's own list of header forms) and says which
 * section an offset lies in. A header is a line that starts with a known title, in any case, optionally after
 * Markdown '#' marks, and that ends right after the title or goes on after a colon: "FAMILY HISTORY:", "# Medications",
 * "Plan: follow up". A title inside running text is not a header.
 */
public final class SectionDetector {

    /** A section: its header spans [begin, headerEnd); its body runs to the next section. */
    public record Section(int begin, int headerEnd, String category) {
    }

    private final Map<String, String> titles = new HashMap<>();
    private final int longestTitle;

    private SectionDetector(List<String> resources) {
        ObjectMapper json = new ObjectMapper();
        for (String resource : resources) {
            try (InputStream in = SectionDetector.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) throw new IllegalStateException("missing resource " + resource);
                for (JsonNode rule : json.readTree(in).get("section_rules")) {
                    titles.putIfAbsent(title(rule.get("literal").asText()), rule.get("category").asText());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        longestTitle = titles.keySet().stream().mapToInt(String::length).max().orElse(0);
    }

    public static SectionDetector standard() {
        return new SectionDetector(List.of("nlp/medspacy/section_patterns.json", "nlp/caregraph/section_patterns.json"));
    }

    /** A title as looked up: lower case, single spaces, without the final colon. */
    private static String title(String s) {
        String t = s.strip();
        if (t.endsWith(":")) t = t.substring(0, t.length() - 1);
        return t.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    /** The sections of {@code text} in text order. */
    public List<Section> sections(String text) {
        List<Section> out = new ArrayList<>();
        int lineStart = 0;
        while (lineStart < text.length()) {
            int nl = text.indexOf('\n', lineStart);
            int lineEnd = nl < 0 ? text.length() : nl;
            Section s = header(text, lineStart, lineEnd);
            if (s != null) out.add(s);
            lineStart = lineEnd + 1;
        }
        return out;
    }

    private Section header(String text, int lineStart, int lineEnd) {
        int at = lineStart;
        while (at < lineEnd && (text.charAt(at) == '#' || Character.isWhitespace(text.charAt(at)))) at++;
        int colon = text.indexOf(':', at);
        int titleEnd = colon >= 0 && colon < lineEnd ? colon : lineEnd;
        if (titleEnd - at > longestTitle + 10 || titleEnd <= at) return null;
        String category = titles.get(title(text.substring(at, titleEnd)));
        if (category == null) return null;
        return new Section(at, titleEnd < lineEnd ? titleEnd + 1 : lineEnd, category);
    }

    /** The section holding offset {@code at}, or null before the first header. */
    public static Section at(List<Section> sections, int at) {
        Section found = null;
        for (Section s : sections) {
            if (s.begin() > at) break;
            found = s;
        }
        return found;
    }
}
