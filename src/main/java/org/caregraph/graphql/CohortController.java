package org.caregraph.graphql;

import graphql.schema.DataFetchingEnvironment;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.caregraph.graph.GraphReader;
import org.caregraph.security.AccessContext;
import org.caregraph.graphql.PatientController.PatientView;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.stereotype.Controller;

/** {@code cohort(criteria)} with its count and pages of patients, and {@code saveCohort} as a FHIR Group. */
@Controller
class CohortController {
    static final int MAX_PAGE = 1000;

    private final CohortEvaluator evaluator;
    private final CohortGroups groups;
    private final GraphReader reader;

    CohortController(CohortEvaluator evaluator, CohortGroups groups, GraphReader reader) {
        this.evaluator = evaluator;
        this.groups = groups;
        this.reader = reader;
    }

    /** The schema's Cohort: the members' keys, sorted, evaluated once per request. */
    record Cohort(List<String> keys) {
    }

    record CohortPatientPage(List<PatientView> nodes, String endCursor, boolean hasNextPage) {
    }

    record SavedCohort(String id, int count) {
    }

    @QueryMapping
    Cohort cohort(@Argument CohortCriteria criteria, DataFetchingEnvironment env) {
        return new Cohort(evaluator.evaluate(GraphQlAccess.analytics(env), criteria));
    }

    @SchemaMapping(typeName = "Cohort")
    CohortPatientPage patients(Cohort cohort, @Argument Integer first, @Argument String after, DataFetchingEnvironment env) {
        int size = first == null ? 20 : first;
        if (size < 1 || size > MAX_PAGE) {
            throw new GraphQlRequestException("BAD_ARGUMENT", "patients(first:) takes 1 to " + MAX_PAGE + ", not " + size);
        }
        AccessContext access = GraphQlAccess.of(env);
        // the count is the population's; the members listed are those the caller may see
        List<String> visible = cohort.keys().stream().filter(access::mayReadPatient).toList();
        int start = 0;
        if (after != null) {
            // the position after the cursor's key, whether or not that patient is still in the cohort
            int at = Collections.binarySearch(visible, decode(after));
            start = at >= 0 ? at + 1 : -at - 1;
        }
        List<String> keys = visible.subList(start, Math.min(start + size, visible.size()));
        List<PatientView> nodes = keys.isEmpty() ? List.of()
                : reader.list(access, "cohort-page", Map.of("keys", keys), r -> PatientView.of(r.get("id").asString(), r.get("json").asString()));
        return new CohortPatientPage(nodes, keys.isEmpty() ? null : encode(keys.getLast()), start + keys.size() < visible.size());
    }

    @MutationMapping
    SavedCohort saveCohort(@Argument CohortCriteria criteria, @Argument String name, DataFetchingEnvironment env) {
        if (name.isBlank()) throw new GraphQlRequestException("BAD_ARGUMENT", "saveCohort(name:) is blank");
        AccessContext access = GraphQlAccess.of(env);
        // a Group names its members: a caller below system level saves the members it may see
        List<String> keys = evaluator.evaluate(GraphQlAccess.analytics(env), criteria).stream()
                .filter(access::mayReadPatient).toList();
        return new SavedCohort(groups.save(access, name, criteria, keys), keys.size());
    }

    private static String encode(String key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String cursor) {
        String key;
        try {
            key = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            key = "";
        }
        if (!key.startsWith("Patient/")) {
            throw new GraphQlRequestException("BAD_ARGUMENT", "patients(after:) takes the endCursor of a page, not '" + cursor + "'");
        }
        return key;
    }
}
