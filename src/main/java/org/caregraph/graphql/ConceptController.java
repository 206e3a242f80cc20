package org.caregraph.graphql;

import graphql.schema.DataFetchingEnvironment;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.caregraph.graph.GraphReader;
import org.caregraph.security.AccessContext;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.stereotype.Controller;

/** {@code concepts(search:)}: the concepts a picker offers for a text, from the events that use them. */
@Controller
class ConceptController {
    record Concept(String key, String system, String code, String display) {
    }

    record ConceptUse(Concept concept, int uses) {
    }

    private final GraphReader reader;

    ConceptController(GraphReader reader) {
        this.reader = reader;
    }

    @QueryMapping
    List<ConceptUse> concepts(@Argument String search, @Argument List<EventType> types, @Argument Boolean mentions,
                              @Argument Integer first, DataFetchingEnvironment env) {
        // how often the population uses a concept is an aggregate: the analytics scope reads it
        AccessContext population = GraphQlAccess.analytics(env);
        String text = search.strip();
        if (text.length() < 2) throw new GraphQlRequestException("BAD_ARGUMENT", "concepts(search:) needs at least 2 characters");
        if (first == null || first < 1 || first > 100) {
            throw new GraphQlRequestException("BAD_ARGUMENT", "concepts(first:) takes 1 to 100");
        }
        return reader.list(population, "graphql/concept-search", Map.of("text", text.toLowerCase(Locale.ROOT), "code", text,
                "paths", EventType.codePaths(types), "mentions", Boolean.TRUE.equals(mentions), "first", first),
                r -> new ConceptUse(new Concept(r.get("key").asString(), r.get("system").asString(null),
                        r.get("code").asString(), r.get("display").asString(null)), r.get("uses").asInt()));
    }
}
