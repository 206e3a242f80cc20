package org.caregraph.fhir;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.caregraph.GraphTest;
import org.caregraph.fhir.export.ExportJobs;
import org.junit.jupiter.api.BeforeEach;
import org.neo4j.driver.Record;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The Bulk Data tests' common ground: the 5 Synthea patients imported once per test class, a client with the system
 * token, and the graph counted independently of the export's queries.
 */
abstract class BulkExportFixture extends GraphTest {
    /**
     * Independent of the compartment definitions: a Synthea resource of a patient names it as Patient/id; a Provenance
     * belongs to the patients of its targets (as the IG exports it at Patient and Group level).
     */
    static final String NAMES_ONE = "NOT n:Provenance AND (" + names("n") + ") OR n:Provenance AND EXISTS { MATCH (n)-[r]->(t) "
            + "WHERE r.path = 'Provenance.target' AND t.placeholder IS NULL AND t.deleted IS NULL AND (" + names("t") + ") }";

    private static String names(String n) {
        return n + ":Patient AND " + n + ".id IN $ids OR any(id IN $ids WHERE " + n + ".json CONTAINS '\"Patient/' + id + '\"')";
    }

    private static Class<?> importedFor;
    protected FhirHttp http;
    protected BulkDataClient bulk;
    @Autowired protected ExportJobs jobs;

    @BeforeEach
    void importOnce() {
        requireFixture();
        http = new FhirHttp(httpPort, systemToken());
        bulk = new BulkDataClient(http);
        if (importedFor != getClass()) {
            clearGraph();
            importPaths(SYNTHEA);
            importedFor = getClass();
        }
    }

    /** type → how many current resources the graph holds that satisfy {@code where} (about n). */
    protected Map<String, Integer> graphCounts(String where, Object... params) {
        Map<String, Integer> out = new TreeMap<>();
        for (Record r : query("MATCH (n:Resource) WHERE n.placeholder IS NULL AND n.deleted IS NULL AND (" + where + ")"
                + " RETURN n.resourceType AS t, count(*) AS c", params)) {
            out.put(r.get("t").asString(), r.get("c").asInt());
        }
        return out;
    }

    protected List<String> patientIds() {
        return query("MATCH (p:Patient) WHERE p.placeholder IS NULL AND p.deleted IS NULL RETURN p.id AS id ORDER BY id")
                .stream().map(r -> r.get("id").asString()).toList();
    }
}
