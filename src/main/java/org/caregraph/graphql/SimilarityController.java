package org.caregraph.graphql;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.caregraph.graph.GraphReader;
import org.caregraph.graphql.PatientController.PatientView;
import org.neo4j.driver.Value;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.stereotype.Controller;

/**
 * {@code similarPatients(id, k, by)}: the nearest patients by the concepts of their events, IDF-weighted Jaccard,
 * computed on the in-memory profiles of {@link SimilarProfiles}; the patients and concepts shown are read per answer.
 */
@Controller
public class SimilarityController {
    private final SimilarProfiles profiles;
    private final GraphReader reader;

    public SimilarityController(SimilarProfiles profiles, GraphReader reader) {
        this.profiles = profiles;
        this.reader = reader;
    }

    public record SimilarPatient(PatientView patient, double score, List<SharedConcept> shared) {
    }

    public record SharedConcept(ConceptView concept, double weight) {
    }

    /** The schema's Concept. */
    public record ConceptView(String key, String system, String code, String display) {
    }

    @QueryMapping
    public List<SimilarPatient> similarPatients(@Argument String id, @Argument int k, @Argument List<EventType> by) {
        if (k < 1 || k > 100) throw new GraphQlRequestException("BAD_ARGUMENT", "k must be between 1 and 100");
        SimilarIndex index = profiles.index(by == null ? Set.of() : Set.copyOf(by));
        if (!index.contains(id)) throw new GraphQlRequestException("NOT_FOUND", "no patient with this id");
        List<SimilarIndex.Match> matches = index.nearest(id, k);
        if (matches.isEmpty()) return List.of();

        Set<String> keys = new LinkedHashSet<>();
        for (SimilarIndex.Match m : matches) for (SimilarIndex.Shared s : m.shared()) keys.add(s.key());
        Map<String, PatientView> patients = new HashMap<>();
        Map<String, ConceptView> concepts = new HashMap<>();
        reader.list("similar-details", Map.of("ids", matches.stream().map(SimilarIndex.Match::id).toList(),
                "keys", List.copyOf(keys)), r -> {
            for (Value p : r.get("patients").values()) {
                String pid = p.get("id").asString();
                patients.put(pid, PatientView.of(pid, p.get("json").asString()));
            }
            for (Value c : r.get("concepts").values()) {
                concepts.put(c.get("key").asString(), new ConceptView(c.get("key").asString(),
                        c.get("system").asString(null), c.get("code").asString(), c.get("display").asString(null)));
            }
            return r;
        });
        List<SimilarPatient> out = new ArrayList<>();
        for (SimilarIndex.Match m : matches) {
            // a patient deleted since the index was read is left out rather than shown without demographics
            PatientView patient = patients.get(m.id());
            if (patient == null) continue;
            out.add(new SimilarPatient(patient, m.score(), m.shared().stream()
                    .map(s -> new SharedConcept(concepts.get(s.key()), s.weight())).toList()));
        }
        return out;
    }
}
