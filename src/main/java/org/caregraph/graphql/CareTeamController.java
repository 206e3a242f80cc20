package org.caregraph.graphql;

import org.caregraph.security.AccessContext;
import graphql.GraphQLContext;
import graphql.schema.DataFetchingEnvironment;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.caregraph.graph.GraphReader;
import org.neo4j.driver.Record;
import org.neo4j.driver.Value;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.stereotype.Controller;

/**
 * {@code careTeam(patientId)}: who is involved in a patient's care, read from the references of the patient's
 * resources; {@code practitioner(id)} with the colleagues it shares patients with.
 */
@Controller
public class CareTeamController {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final GraphReader reader;

    public CareTeamController(GraphReader reader) {
        this.reader = reader;
    }

    public record CareTeam(List<CareTeamMember> members) {
    }

    public record CareTeamMember(String resourceType, String id, String name, List<String> roles, int resources,
                                 int encounters, String first, String last) {
    }

    public record PractitionerView(String id, String key, String name, String gender) {
        static PractitionerView of(String id, String json) {
            // a Practitioner's name and gender read as a Patient's do
            PatientController.PatientView v = PatientController.PatientView.of(id, json);
            return new PractitionerView(id, "Practitioner/" + id, v.name(), v.gender());
        }
    }

    public record Colleague(PractitionerView practitioner, int sharedPatients) {
    }

    @QueryMapping
    public CareTeam careTeam(@Argument String patientId, DataFetchingEnvironment env) {
        AccessContext access = GraphQlAccess.of(env);
        List<CareTeamMember> members = reader.list(access, "care-team", Map.of("key", "Patient/" + patientId), CareTeamController::member);
        if (members.isEmpty() && reader.read(access, "Patient/" + patientId).isEmpty()) return null;
        return new CareTeam(members);
    }

    @QueryMapping
    public PractitionerView practitioner(@Argument String id, DataFetchingEnvironment env) {
        return reader.list(GraphQlAccess.of(env), "practitioner-read", Map.of("key", "Practitioner/" + id),
                r -> PractitionerView.of(r.get("id").asString(), r.get("json").asString())).stream().findFirst().orElse(null);
    }

    @BatchMapping(typeName = "Practitioner")
    public Map<PractitionerView, Integer> patients(List<PractitionerView> practitioners, GraphQLContext context) {
        Map<String, Integer> counts = new HashMap<>();
        reader.list(GraphQlAccess.of(context), "practitioner-patients", Map.of("keys", practitioners.stream().map(PractitionerView::key).toList()),
                r -> counts.put(r.get("key").asString(), r.get("patients").asInt()));
        Map<PractitionerView, Integer> out = new HashMap<>();
        for (PractitionerView p : practitioners) out.put(p, counts.getOrDefault(p.key(), 0));
        return out;
    }

    @SchemaMapping(typeName = "Practitioner")
    public List<Colleague> network(PractitionerView practitioner, @Argument int first, DataFetchingEnvironment env) {
        if (first < 1 || first > 100) throw new GraphQlRequestException("BAD_ARGUMENT", "first must be between 1 and 100");
        return reader.list(GraphQlAccess.of(env), "practitioner-network", Map.of("key", practitioner.key(), "first", first),
                r -> new Colleague(PractitionerView.of(r.get("id").asString(), r.get("json").asString()),
                        r.get("sharedPatients").asInt()));
    }

    private static CareTeamMember member(Record r) {
        String type = r.get("resourceType").asString();
        String json = r.get("json").asString();
        List<String> idents = r.get("idents").asList(Value::asString);
        TreeSet<String> roles = new TreeSet<>();
        for (Value ref : r.get("refs").values()) {
            String role = role(ref.get("type").asString(), ref.get("path").asString());
            if (ref.get("careTeam").isNull()) roles.add(role);
            else roles.addAll(careTeamRoles(parse(ref.get("careTeam").asString()), type, r.get("id").asString(), idents, role));
        }
        return new CareTeamMember(type, r.get("id").asString(), name(type, r.get("id").asString(), json),
                List.copyOf(roles), r.get("resources").asInt(), r.get("encounters").asInt(),
                r.get("first").asString(null), r.get("last").asString(null));
    }

    /**
     * The element that names the member: the FHIRPath up to the element the relationship is typed by, so
     * 'Encounter.participant.individual' (PARTICIPANT) is 'Encounter.participant'.
     */
    static String role(String relType, String path) {
        String[] parts = path.split("\\.");
        for (int i = parts.length - 1; i > 0; i--) {
            if (parts[i].replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase().equals(relType)) {
                return String.join(".", Arrays.copyOf(parts, i + 1));
            }
        }
        return path;
    }

    /** The role displays of the CareTeam's participants that are this member; the element name when they have none. */
    private static List<String> careTeamRoles(JsonNode careTeam, String type, String id, List<String> idents, String fallback) {
        List<String> roles = new ArrayList<>();
        for (JsonNode participant : careTeam.path("participant")) {
            if (!names(participant.path("member").path("reference").asText(""), type, id, idents)) continue;
            boolean named = false;
            for (JsonNode role : participant.path("role")) {
                String display = role.hasNonNull("text") ? role.get("text").asText() : null;
                for (JsonNode coding : role.path("coding")) if (display == null && coding.hasNonNull("display")) display = coding.get("display").asText();
                if (display != null) {
                    roles.add(display);
                    named = true;
                }
            }
            if (!named) roles.add(fallback);
        }
        return roles.isEmpty() ? List.of(fallback) : roles;
    }

    /** Whether a reference names the member: Type/id (relative or absolute) or Type?identifier=system|value. */
    private static boolean names(String reference, String type, String id, List<String> idents) {
        int q = reference.indexOf("?identifier=");
        if (q > 0) return reference.startsWith(type + "?") && idents.contains(type + "|" + reference.substring(q + 12));
        return reference.equals(type + "/" + id) || reference.endsWith("/" + type + "/" + id);
    }

    private static String name(String type, String id, String json) {
        return switch (type) {
            case "Practitioner" -> PractitionerView.of(id, json).name();
            case "Organization" -> parse(json).path("name").asText(null);
            default -> parse(json).path("practitioner").path("display").asText(null);
        };
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored resource is not JSON", e);
        }
    }
}
