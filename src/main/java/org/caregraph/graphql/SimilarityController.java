package org.caregraph.graphql;

import org.caregraph.security.AccessContext;
import graphql.schema.DataFetchingEnvironment;
import java.util.List;
import java.util.Set;
import org.caregraph.graphql.PatientController.PatientView;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.stereotype.Controller;

/**
 * {@code similarPatients(id, k, by)}: the nearest patients by the concepts of their events, IDF-weighted Jaccard,
 * answered from the in-memory profiles of {@link SimilarProfiles} (re-read after every committed write).
 */
@Controller
public class SimilarityController {
    private final SimilarProfiles profiles;

    public SimilarityController(SimilarProfiles profiles) {
        this.profiles = profiles;
    }

    public record SimilarPatient(PatientView patient, double score, List<SharedConcept> shared) {
    }

    public record SharedConcept(ConceptView concept, double weight) {
    }

    /** The schema's Concept. */
    public record ConceptView(String key, String system, String code, String display) {
    }

    @QueryMapping
    public List<SimilarPatient> similarPatients(@Argument String id, @Argument int k, @Argument List<EventType> by,
                                                DataFetchingEnvironment env) {
        if (k < 1 || k > 100) throw new GraphQlRequestException("BAD_ARGUMENT", "k must be between 1 and 100");
        GraphQlAccess.analytics(env);
        AccessContext access = GraphQlAccess.of(env);
        if (!access.mayReadPatient("Patient/" + id)) throw new GraphQlRequestException("NOT_FOUND", "no patient with this id");
        SimilarIndex index = profiles.index(by == null ? Set.of() : Set.copyOf(by));
        if (!index.contains(id)) throw new GraphQlRequestException("NOT_FOUND", "no patient with this id");
        return index.nearest(id, k, key -> access.mayReadPatient(key));
    }
}
