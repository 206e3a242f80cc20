package org.caregraph.graphql;

import org.caregraph.security.AccessContext;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.UUID;
import org.caregraph.graph.GraphWriter;
import org.caregraph.graph.ResourceMapper;
import org.springframework.stereotype.Component;

/**
 * Saves a cohort as a FHIR R4 Group of its patients, through the same mapper and single writer as the import and the
 * FHIR API, so the Group is an ordinary resource: readable at /fhir/Group/{id}, its members linked to the patients,
 * and a Bulk Data Group export can take it.
 */
@Component
class CohortGroups {
    /** Where the criteria are kept on the Group, as JSON, so a saved cohort can be re-run. */
    static final String CRITERIA_EXTENSION = "https://caregraph.org/fhir/StructureDefinition/cohort-criteria";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ResourceMapper mapper;
    private final GraphWriter writer;

    CohortGroups(ResourceMapper mapper, GraphWriter writer) {
        this.mapper = mapper;
        this.writer = writer;
    }

    /** Writes the Group and returns its id. */
    String save(AccessContext access, String name, CohortCriteria criteria, List<String> patientKeys) {
        String id = UUID.randomUUID().toString();
        ObjectNode group = JSON.createObjectNode();
        group.put("resourceType", "Group").put("id", id);
        group.putArray("extension").addObject().put("url", CRITERIA_EXTENSION).put("valueString", json(criteria));
        group.put("type", "person").put("actual", true).put("name", name).put("quantity", patientKeys.size());
        // FHIR JSON has no empty arrays: an empty cohort is a Group without members
        if (!patientKeys.isEmpty()) {
            var members = group.putArray("member");
            for (String key : patientKeys) members.addObject().putObject("entity").put("reference", key);
        }
        writer.write(access, List.of(mapper.map(group, null)));
        return id;
    }

    private static String json(CohortCriteria criteria) {
        try {
            return JSON.writeValueAsString(criteria);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
