package org.caregraph.graphql;

import org.caregraph.security.AccessContext;
import graphql.schema.DataFetchingEnvironment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.caregraph.graph.GraphReader;
import org.neo4j.driver.Value;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.stereotype.Controller;

/**
 * {@code pathways(start, ...)}: one read returns every cohort patient's index event and first following events
 * (cypher/pathway-paths.cypher); {@link PathwayAnalysis} counts them into Sankey nodes, links and sequences.
 */
@Controller
public class PathwayController {
    /** A start concept as the schema's ConceptInput; without a system, the code in any system. */
    public record StartConcept(String system, String code) {
    }

    private final GraphReader reader;
    private final CohortEvaluator cohorts;

    public PathwayController(GraphReader reader, CohortEvaluator cohorts) {
        this.reader = reader;
        this.cohorts = cohorts;
    }

    @QueryMapping
    public PathwayAnalysis.Pathways pathways(@Argument List<StartConcept> start, @Argument List<EventType> eventTypes,
                                             @Argument Integer steps, @Argument Integer windowDays,
                                             @Argument Integer minSupport, @Argument Integer top,
                                             @Argument CohortCriteria cohort, DataFetchingEnvironment env) {
        AccessContext population = GraphQlAccess.analytics(env);
        // The numbers are nullable in the schema (they have defaults), so an explicit null is refused like a bad value.
        if (start == null || start.isEmpty()) throw badArgument("start needs at least one concept");
        if (steps == null || steps < 1 || steps > 10) throw badArgument("steps must be between 1 and 10");
        if (windowDays == null || windowDays < 1) throw badArgument("windowDays must be at least 1");
        if (minSupport == null || minSupport < 1) throw badArgument("minSupport must be at least 1");
        if (top == null || top < 1 || top > 100) throw badArgument("top must be between 1 and 100");
        List<String> keys = new ArrayList<>();
        List<String> codes = new ArrayList<>();
        for (StartConcept c : start) {
            if (c.code() == null || c.code().isBlank()) throw badArgument("a start concept needs a code");
            if (c.system() == null || c.system().isBlank()) codes.add(c.code());
            else keys.add(c.system() + "|" + c.code());
        }
        // The index event may be of any type; the following events only of the asked ones (all when none are).
        Map<String, Object> parameters = new HashMap<>(Map.of(
                "keys", keys, "codes", codes, "startPaths", EventType.codePaths(List.of()),
                "labels", EventType.labels(eventTypes), "paths", EventType.codePaths(eventTypes),
                "windowDays", windowDays, "steps", steps));
        // a cohort confines the pathway to its members (the UI's "pathways from this cohort")
        parameters.put("patients", cohort == null ? null : cohorts.evaluate(population, cohort));
        List<PathwayAnalysis.PatientPath> paths = reader.list(population, "pathway-paths", parameters,
                r -> new PathwayAnalysis.PatientPath(event(r.get("index")), r.get("path").asList(PathwayController::event)));
        return PathwayAnalysis.of(paths, minSupport, top);
    }

    private static PathwayAnalysis.Event event(Value v) {
        PathwayAnalysis.Concept concept = new PathwayAnalysis.Concept(v.get("key").asString(),
                v.get("system").asString(null), v.get("code").asString(), v.get("display").asString(null));
        return new PathwayAnalysis.Event(concept, EventType.of(v.get("type").asString()), v.get("at").asLong());
    }

    private static GraphQlRequestException badArgument(String message) {
        return new GraphQlRequestException("BAD_ARGUMENT", "pathways: " + message);
    }
}
