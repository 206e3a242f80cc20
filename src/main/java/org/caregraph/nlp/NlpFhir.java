package org.caregraph.nlp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How NLP output appears in FHIR (docs/nlp-extensions.md): the analysis extension on the note, and the Condition,
 * Observation and MedicationStatement resources derived from affirmed mentions, tagged system-generated and linked
 * back to the note. Everything here is deterministic, so the same note analyzed by the same analyzer gives the same
 * JSON (same hash: nothing rewritten) and the same derived ids (re-runs converge).
 */
final class NlpFhir {
    static final String NS = "http://caregraph.org/fhir/StructureDefinition/nlp-";
    static final String ANALYSIS = NS + "analysis";
    /** Mentions linked to no concept point at a concept of this system: the category and the normalized text. */
    static final String TEXT_SYSTEM = "http://caregraph.org/fhir/CodeSystem/nlp-text";
    static final String TAG_SYSTEM = "http://caregraph.org/fhir/CodeSystem/tag";
    static final String TAG_CODE = "system-generated";
    private static final ObjectMapper JSON = new ObjectMapper();

    private NlpFhir() {
    }

    /** Removes the analysis extensions a note carries (from an earlier analysis, read back and written again). */
    static void strip(ObjectNode note) {
        if (!(note.get("extension") instanceof ArrayNode exts)) return;
        for (Iterator<JsonNode> it = exts.elements(); it.hasNext(); ) {
            if (it.next().path("url").asText("").startsWith(NS)) it.remove();
        }
        if (exts.isEmpty()) note.remove("extension");
    }

    /** The concept a mention is linked to in the graph: its best concept, else a text concept of its category. */
    static Mention.ConceptMatch concept(Mention m) {
        if (!m.concepts().isEmpty()) return m.concepts().getFirst();
        String code = m.category().name() + ":" + m.text().strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
        return new Mention.ConceptMatch(TEXT_SYSTEM + "|" + code, TEXT_SYSTEM, code, m.text().strip(), 0);
    }

    /** The MENTIONS relationship's properties; assertion values lower-case as the cohort queries read them. */
    static Map<String, Object> props(Mention m, String source) {
        Map<String, Object> p = new HashMap<>();
        p.put("begin", m.begin());
        p.put("end", m.end());
        p.put("text", m.text());
        p.put("category", m.category().name());
        p.put("type", m.type());
        p.put("score", m.score());
        p.put("negated", m.negated());
        p.put("certainty", lower(m.certainty()));
        p.put("experiencer", lower(m.experiencer()));
        p.put("temporality", lower(m.temporality()));
        p.put("section", m.section());
        p.put("trait", name(m.trait()));
        p.put("source", source);
        return p;
    }

    private static String lower(Enum<?> e) {
        return e == null ? null : e.name().toLowerCase(Locale.ROOT);
    }

    /** An enum as Comprehend Medical writes it (upper case), or null. */
    private static String name(Enum<?> e) {
        return e == null ? null : e.name();
    }

    /**
     * One analysis extension per analyzed attachment: its path and one entity per mention. The analyzer version is
     * not in it (it is the node's nlpVersion): a new lexicon that finds the same makes no new version of the note.
     */
    static ObjectNode extension(String source, Iterable<Mention> mentions) {
        ObjectNode ext = JSON.createObjectNode().put("url", ANALYSIS);
        ArrayNode parts = ext.putArray("extension");
        value(parts, "source", "valueString", source);
        for (Mention m : mentions) {
            ArrayNode e = parts.addObject().put("url", "entity").putArray("extension");
            value(e, "text", "valueString", m.text());
            e.addObject().put("url", "begin").put("valueInteger", m.begin());
            e.addObject().put("url", "end").put("valueInteger", m.end());
            value(e, "category", "valueCode", m.category().name());
            value(e, "type", "valueCode", m.type());
            e.addObject().put("url", "score").put("valueDecimal", m.score());
            e.addObject().put("url", "negated").put("valueBoolean", m.negated());
            value(e, "certainty", "valueCode", lower(m.certainty()));
            value(e, "experiencer", "valueCode", lower(m.experiencer()));
            value(e, "temporality", "valueCode", lower(m.temporality()));
            value(e, "section", "valueString", m.section());
            value(e, "trait", "valueCode", name(m.trait()));
            for (Mention.ConceptMatch c : m.concepts()) {
                ArrayNode ce = e.addObject().put("url", "concept").putArray("extension");
                ce.addObject().put("url", "coding").set("valueCoding", coding(c));
                ce.addObject().put("url", "score").put("valueDecimal", c.score());
            }
            for (Mention.Attribute a : m.attributes()) {
                ArrayNode ae = e.addObject().put("url", "attribute").putArray("extension");
                value(ae, "type", "valueCode", a.type());
                value(ae, "text", "valueString", a.text());
                ae.addObject().put("url", "begin").put("valueInteger", a.begin());
                ae.addObject().put("url", "end").put("valueInteger", a.end());
            }
        }
        return ext;
    }

    /** A sub-extension with a string-like value; FHIR has no empty strings, so a blank value is left out. */
    private static void value(ArrayNode parts, String url, String field, String value) {
        if (value != null && !value.isBlank()) parts.addObject().put("url", url).put(field, value);
    }

    private static ObjectNode coding(Mention.ConceptMatch c) {
        ObjectNode coding = JSON.createObjectNode().put("system", c.system()).put("code", c.code());
        if (c.display() != null && !c.display().isBlank()) coding.put("display", c.display());
        return coding;
    }

    /** What a mention may be derived into. */
    enum Kind { Condition, Observation, MedicationStatement }

    /**
     * The resource kind an encounter event yields: a linked condition (diagnosis or sign), medication (not an
     * allergen), or test with a value; none for a negated, uncertain, hypothetical or not-the-patient's mention, a
     * symptom, an allergy or an allergen (those stay mentions), nor for an unlinked one.
     */
    static Optional<Kind> kind(Mention m) {
        if (m.concepts().isEmpty() || !m.encounterEvent()) return Optional.empty();
        return switch (m.category()) {
            case MEDICAL_CONDITION -> Optional.of(Kind.Condition);
            case MEDICATION -> Optional.of(Kind.MedicationStatement);
            case TEST_TREATMENT_PROCEDURE -> attribute(m, "TEST_VALUE").map(a -> Kind.Observation);
            case ANATOMY -> Optional.empty();
        };
    }

    private static Optional<Mention.Attribute> attribute(Mention m, String type) {
        return m.attributes().stream().filter(a -> a.type().equals(type)).findFirst();
    }

    /** Deterministic id: the same note, kind and concept always derive the same resource. */
    static String derivedId(String noteKey, Kind kind, String conceptKey) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest((noteKey + "\n" + kind + "\n" + conceptKey).getBytes(StandardCharsets.UTF_8));
            return "nlp-" + HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The derived resource of {@code kind} for mention {@code m} of note {@code noteKey}.
     *
     * @param subject   the note's subject reference (required: derived resources are about the patient)
     * @param encounter the note's encounter reference, or null
     * @param time      the note's time, or null
     */
    static ObjectNode derived(Kind kind, Mention m, String noteKey, String subject, String encounter, String time) {
        Mention.ConceptMatch c = m.concepts().getFirst();
        ObjectNode r = JSON.createObjectNode().put("resourceType", kind.name()).put("id", derivedId(noteKey, kind, c.key()));
        r.putObject("meta").putArray("tag").addObject().put("system", TAG_SYSTEM).put("code", TAG_CODE)
                .put("display", "Derived by CareGraph NLP from a note");
        ObjectNode code = JSON.createObjectNode();
        code.putArray("coding").add(coding(c));
        if (!m.text().isBlank()) code.put("text", m.text().strip());
        switch (kind) {
            case Condition -> {
                r.putObject("verificationStatus").putArray("coding").addObject()
                        .put("system", "http://terminology.hl7.org/CodeSystem/condition-ver-status").put("code", "confirmed");
                r.set("code", code);
                r.putObject("subject").put("reference", subject);
                if (encounter != null) r.putObject("encounter").put("reference", encounter);
                if (time != null) r.put("recordedDate", time);
                r.putArray("evidence").addObject().putArray("detail").addObject().put("reference", noteKey);
            }
            case Observation -> {
                // the note says what was measured, not whether the result is final
                r.put("status", "unknown");
                r.set("code", code);
                r.putObject("subject").put("reference", subject);
                if (encounter != null) r.putObject("encounter").put("reference", encounter);
                if (time != null) r.put("effectiveDateTime", time);
                String value = attribute(m, "TEST_VALUE").orElseThrow().text().strip();
                Optional<String> unit = attribute(m, "TEST_UNIT").map(a -> a.text().strip());
                BigDecimal number = number(value);
                if (number != null) {
                    ObjectNode q = r.putObject("valueQuantity").put("value", number);
                    unit.ifPresent(u -> q.put("unit", u));
                } else {
                    r.put("valueString", unit.map(u -> value + " " + u).orElse(value));
                }
                r.putArray("derivedFrom").addObject().put("reference", noteKey);
            }
            case MedicationStatement -> {
                r.put("status", "active");
                r.set("medicationCodeableConcept", code);
                r.putObject("subject").put("reference", subject);
                if (encounter != null) r.putObject("context").put("reference", encounter);
                if (time != null) r.put("dateAsserted", time);
                r.putArray("derivedFrom").addObject().put("reference", noteKey);
            }
        }
        return r;
    }

    private static BigDecimal number(String text) {
        try {
            return new BigDecimal(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
