package org.caregraph.fhir.export;

import org.caregraph.security.AccessContext;
import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.caregraph.GraphTest;
import org.caregraph.fhir.ResourceMatcher;
import org.caregraph.graph.PatientCompartment;
import org.caregraph.graph.GraphReader;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Export jobs are files: a new instance (a restarted server) finds the finished ones with their outputs, fails one the
 * stop interrupted (deleting its partial files), and deletes those past the retention period.
 */
class ExportJobsRestartTest extends GraphTest {
    @Autowired private FhirContext fhir;
    @Autowired private GraphReader reader;
    @Autowired private PatientCompartment compartment;
    @Autowired private ResourceMatcher matcher;

    private ExportJobs jobs(Path dir, Duration retention) {
        return new ExportJobs(fhir, reader, compartment, matcher, dir, retention, Duration.ofMinutes(1),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    }

    private static final AccessContext OWNER = AccessContext.service("test");

    @Test
    void jobsSurviveARestartAndExpire() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target"), "export-restart");
        String id = "restart-" + System.nanoTime();
        query("CREATE (:Resource:Patient {key: 'Patient/' + $id, id: $id, resourceType: 'Patient', versionId: 1, "
                + "lastUpdated: toString(datetime()), json: '{\"resourceType\":\"Patient\",\"id\":\"' + $id + '\"}'})", "id", id);
        ExportJobs first = jobs(dir, Duration.ofHours(24));
        ExportJobs.Job done = first.submit(new ExportJobs.Request("http://x/fhir/$export?_type=Patient", "http://x",
                ExportJobs.Level.SYSTEM, List.of("Patient"), null, null, Instant.now().plusSeconds(60).toString(),
                ExportJobs.owner(OWNER)), OWNER);
        for (int i = 0; i < 300 && done.status != ExportJobs.Status.COMPLETED; i++) Thread.sleep(100);
        assertThat(done.status).isEqualTo(ExportJobs.Status.COMPLETED);
        first.destroy();
        // a job whose server stopped while it ran
        Path interrupted = dir.resolve("interrupted");
        Files.createDirectories(interrupted);
        Files.writeString(interrupted.resolve("job.json"), "{\"id\":\"interrupted\",\"created\":\"" + Instant.now()
                + "\",\"status\":\"RUNNING\",\"request\":{\"types\":[\"Patient\"],\"owner\":\"test\"}}");

        Files.writeString(interrupted.resolve("Patient.ndjson"), "{\"resourceType\":\"Patient\",\"id\":\"half\"}\n");

        ExportJobs restarted = jobs(dir, Duration.ofHours(24));
        ExportJobs.Job found = restarted.get(OWNER, done.id).orElseThrow();
        assertThat(found.status).isEqualTo(ExportJobs.Status.COMPLETED);
        assertThat(found.outputs).singleElement().satisfies(o -> assertThat(o.type()).isEqualTo("Patient"));
        Path file = restarted.file(found, "Patient.ndjson").orElseThrow();
        assertThat(Files.readAllLines(file)).anyMatch(l -> l.contains("\"id\":\"" + id + "\""));
        assertThat(restarted.get(OWNER, "interrupted").orElseThrow().status).isEqualTo(ExportJobs.Status.FAILED);
        assertThat(interrupted.resolve("Patient.ndjson")).as("an interrupted job's partial files go").doesNotExist();
        assertThat(interrupted.resolve("job.json")).exists();
        restarted.destroy();

        ExportJobs later = jobs(dir, Duration.ZERO);
        later.expire();
        assertThat(later.get(OWNER, done.id)).isEmpty();
        assertThat(dir.resolve(done.id)).doesNotExist();
        later.destroy();
        query("MATCH (n:Patient {key: 'Patient/' + $id}) DELETE n", "id", id);
    }
}
