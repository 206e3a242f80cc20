package org.caregraph.nlp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * NLP alone, for apps that want the entities of a text without storing anything: {@code POST /nlp} with the text as
 * text/plain, or as JSON {@code {"text": "..."}}, answers {@code {version, entities}}. The body is read up to
 * {@code caregraph.nlp.max-bytes} and no further, so a huge body costs neither memory nor time; empty, oversize or
 * unreadable input is a 400 with an error code. (A Content-Type that cannot be parsed, or names an unknown charset, is
 * refused by Spring MVC before any controller is chosen: 415.) The text may hold PHI: it is never logged or echoed.
 */
@RestController
class NlpController {
    private final NoteAnalyzer analyzer;
    private final int maxBytes;
    private final ObjectMapper json = new ObjectMapper();

    NlpController(NoteAnalyzer analyzer, @Value("${caregraph.nlp.max-bytes:2097152}") int maxBytes) {
        this.analyzer = analyzer;
        this.maxBytes = maxBytes;
    }

    record NlpResult(String version, List<Mention> entities) {
    }

    record NlpError(String code, String message) {
    }

    @PostMapping(path = "/nlp", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> analyze(HttpServletRequest request) throws IOException {
        // Spring MVC has already parsed the Content-Type (an unparseable one or an unknown charset never gets here)
        MediaType type = request.getContentType() == null ? MediaType.TEXT_PLAIN : MediaType.parseMediaType(request.getContentType());
        Charset charset = type.getCharset() == null ? StandardCharsets.UTF_8 : type.getCharset();
        boolean isJson = MediaType.APPLICATION_JSON.isCompatibleWith(type);
        if (!isJson && !MediaType.TEXT_PLAIN.isCompatibleWith(type)) {
            return unsupported();
        }
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(maxBytes + 1);
        }
        if (body.length > maxBytes) {
            return error("TEXT_TOO_LONG", "the body exceeds " + maxBytes + " bytes");
        }
        String text;
        if (isJson) {
            JsonNode node;
            try {
                node = json.readTree(body);
            } catch (JacksonException e) {
                return error("BAD_JSON", "the body is not valid JSON");
            }
            if (node == null || !node.isObject() || !node.path("text").isTextual() || node.size() != 1) {
                return error("BAD_JSON", "the body must be a JSON object {\"text\": \"...\"}");
            }
            text = node.get("text").asText();
        } else {
            text = new String(body, charset);
        }
        if (text.isBlank()) {
            return error("EMPTY_TEXT", "the text is empty");
        }
        return ResponseEntity.ok(new NlpResult(analyzer.version(), analyzer.analyze(text)));
    }

    private static ResponseEntity<NlpError> unsupported() {
        return error("UNSUPPORTED_CONTENT_TYPE", "Content-Type must be text/plain or application/json");
    }

    private static ResponseEntity<NlpError> error(String code, String message) {
        return ResponseEntity.status(HttpStatus.BAD_REQUEST).contentType(MediaType.APPLICATION_JSON).body(new NlpError(code, message));
    }
}
