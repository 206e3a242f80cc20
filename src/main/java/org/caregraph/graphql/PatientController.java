package org.caregraph.graphql;

import graphql.schema.DataFetchingEnvironment;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.LocalDate;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.caregraph.graph.GraphReader;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.stereotype.Controller;

/** {@code patient(id)}: demographics read from the stored Patient resource. */
@Controller
public class PatientController {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GraphReader reader;

    public PatientController(GraphReader reader) {
        this.reader = reader;
    }

    /** The schema's Patient: {@code key} is {@code Patient/id}, which the other capabilities' queries take. */
    public record PatientView(String id, String key, String name, String gender, String birthDate, Boolean deceased) {
        static PatientView of(String id, String json) {
            JsonNode p;
            try {
                p = JSON.readTree(json);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("stored Patient is not JSON", e);
            }
            JsonNode deceased = p.has("deceasedBoolean") ? p.get("deceasedBoolean") : p.get("deceasedDateTime");
            return new PatientView(id, "Patient/" + id, name(p.path("name")), p.path("gender").asText(null),
                    p.path("birthDate").asText(null), deceased == null ? null : deceased.isBoolean() ? deceased.asBoolean() : true);
        }

        private static String name(JsonNode names) {
            JsonNode chosen = null;
            for (JsonNode n : names) if ("official".equals(n.path("use").asText())) chosen = n;
            if (chosen == null && names.size() > 0) chosen = names.get(0);
            if (chosen == null) return null;
            if (chosen.hasNonNull("text")) return chosen.get("text").asText();
            List<String> parts = new ArrayList<>();
            chosen.path("given").forEach(g -> parts.add(g.asText()));
            if (chosen.hasNonNull("family")) parts.add(chosen.get("family").asText());
            return parts.isEmpty() ? null : String.join(" ", parts);
        }
    }

    @QueryMapping
    public PatientView patient(@Argument String id, DataFetchingEnvironment env) {
        return reader.read(GraphQlAccess.of(env), "Patient/" + id).map(r -> PatientView.of(id, r.json())).orElse(null);
    }

    @SchemaMapping(typeName = "Patient")
    public Integer age(PatientView patient, @Argument String at) {
        if (patient.birthDate() == null) return null;
        LocalDate when;
        try {
            when = at == null ? LocalDate.now() : LocalDate.parse(at);
        } catch (DateTimeParseException e) {
            throw new GraphQlRequestException("BAD_ARGUMENT", "age(at:) takes an ISO date (yyyy-mm-dd), not '" + at + "'");
        }
        String b = patient.birthDate();
        LocalDate born = LocalDate.parse(b.length() == 4 ? b + "-01-01" : b.length() == 7 ? b + "-01" : b);
        return Period.between(born, when).getYears();
    }
}
