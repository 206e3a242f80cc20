package org.caregraph.nlp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.caregraph.graph.InvalidResourceException;
import org.caregraph.graph.ResourceMapper;
import org.caregraph.graph.ResourceRecord;

/**
 * Synthea transaction Bundles read as the import would store them (each resource through {@link ResourceMapper}): the
 * notes (DocumentReference, base64 text/plain), the Conditions and medications (MedicationRequest; a drug given on the
 * spot, which Synthea records as a MedicationAdministration; a vaccine given, an Immunization) of each note's encounter, and
 * the codings that would become Concept nodes, with the paths they are coded under. For the evaluation and the
 * benchmark; no database.
 */
public final class SyntheaCorpus {

    /** A note and what its encounter carries in structured form (concept keys). */
    public record Note(String key, String encounter, String text, Set<String> conditions, Set<String> medications) {
    }

    private record Concept(String system, String code, String display, Set<String> paths) {
    }

    private final List<Note> notes = new ArrayList<>();
    private final Map<String, Concept> concepts = new LinkedHashMap<>();
    private final ResourceMapper mapper = new ResourceMapper(FhirContext.forR4());
    private final ObjectMapper json = new ObjectMapper();
    private int files;
    private int rejected;

    /**
     * Reads the Bundles of {@code dir} in name order, whole files, until at least {@code maxNotes} notes are read
     * (or all, when {@code maxNotes} is 0).
     */
    public static SyntheaCorpus read(Path dir, int maxNotes) throws IOException {
        SyntheaCorpus corpus = new SyntheaCorpus();
        List<Path> paths;
        try (Stream<Path> s = Files.list(dir)) {
            paths = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        for (Path p : paths) {
            if (maxNotes > 0 && corpus.notes.size() >= maxNotes) break;
            corpus.readBundle(p);
        }
        return corpus;
    }

    public List<Note> notes() {
        return notes;
    }

    public int files() {
        return files;
    }

    /** Resources the mapper refused (invalid FHIR): left out, counted. */
    public int rejected() {
        return rejected;
    }

    /** The lexicon the graph would give: every coding of the Bundles read, plus the curated list. */
    public Lexicon lexicon() {
        Lexicon.Builder b = ClinicalPipeline.lexicon();
        concepts.forEach((key, c) -> b.addConcept(key, c.system(), c.code(), c.display(), List.of(), List.copyOf(c.paths())));
        return ClinicalPipeline.withCurated(b).build();
    }

    private void readBundle(Path path) throws IOException {
        JsonNode bundle = json.readTree(path.toFile());
        if (!"Bundle".equals(bundle.path("resourceType").asText())) return;
        files++;
        Map<String, String> urns = new HashMap<>();
        for (JsonNode e : bundle.path("entry")) {
            JsonNode r = e.path("resource");
            if (e.hasNonNull("fullUrl") && r.hasNonNull("id")) {
                urns.put(e.get("fullUrl").asText(), r.path("resourceType").asText() + "/" + r.get("id").asText());
            }
        }
        Map<String, Set<String>> conditions = new HashMap<>();
        Map<String, Set<String>> medications = new HashMap<>();
        List<String[]> docs = new ArrayList<>();
        for (JsonNode e : bundle.path("entry")) {
            if (!(e.path("resource") instanceof ObjectNode resource)) continue;
            ResourceRecord record;
            try {
                record = mapper.map(resource, urns::get);
            } catch (InvalidResourceException ex) {
                rejected++;
                continue;
            }
            for (ResourceRecord.Code c : record.codes()) {
                Concept k = concepts.computeIfAbsent(c.key(), x -> new Concept(c.system(), c.code(), c.display(), new LinkedHashSet<>()));
                k.paths().add(c.path());
                if (k.display() == null && c.display() != null) {
                    concepts.put(c.key(), new Concept(k.system(), k.code(), c.display(), k.paths()));
                }
            }
            String encounter = encounter(record);
            if (encounter == null) continue;
            switch (record.type()) {
                case "Condition" -> codes(record, "Condition.code", conditions.computeIfAbsent(encounter, x -> new LinkedHashSet<>()));
                case "MedicationRequest", "MedicationAdministration" -> codes(record, record.type() + ".medication",
                        medications.computeIfAbsent(encounter, x -> new LinkedHashSet<>()));
                case "Immunization" -> codes(record, "Immunization.vaccineCode",
                        medications.computeIfAbsent(encounter, x -> new LinkedHashSet<>()));
                case "DocumentReference" -> {
                    String text = text(resource);
                    if (text != null) docs.add(new String[] {record.key(), encounter, text});
                }
                default -> { }
            }
        }
        for (String[] d : docs) {
            notes.add(new Note(d[0], d[1], d[2], conditions.getOrDefault(d[1], Set.of()), medications.getOrDefault(d[1], Set.of())));
        }
    }

    /** The encounter a resource belongs to: its encounter element, or (MedicationAdministration) its context. */
    private static String encounter(ResourceRecord record) {
        if (record.facts().get("encounter") instanceof String e) return e;
        return record.refs().stream().filter(r -> r.path().equals(record.type() + ".context") && "Encounter".equals(r.type()))
                .map(ResourceRecord.Ref::key).findFirst().orElse(null);
    }

    private static void codes(ResourceRecord record, String pathPrefix, Set<String> into) {
        for (ResourceRecord.Code c : record.codes()) {
            if (c.path().startsWith(pathPrefix)) into.add(c.key());
        }
    }

    /** The first text/plain attachment, decoded. */
    private static String text(JsonNode doc) {
        for (JsonNode content : doc.path("content")) {
            JsonNode a = content.path("attachment");
            if (a.path("contentType").asText().startsWith("text/plain") && a.hasNonNull("data")) {
                return new String(Base64.getMimeDecoder().decode(a.get("data").asText()), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
