package org.caregraph.nlp;

import org.caregraph.security.AccessContext;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/** {@code caregraph.nlp.enabled=false}: an analyzer is there, but notes are stored without analysis. */
@TestPropertySource(properties = "caregraph.nlp.enabled=false")
class NlpDisabledTest extends GraphTest {
    private static final AccessContext SERVICE = AccessContext.service("test");

    @Autowired NoteRerun rerun;
    @TempDir Path dir;

    @Test
    void notesAreStoredAsReceivedWithoutMentionsOrDerivedResources() throws Exception {
        clearGraph();
        List<ObjectNode> notes = new ArrayList<>(NoteNlpTest.base());
        ObjectNode note = NoteNlpTest.document("d1", NoteNlpTest.attachment("text/plain", NoteNlpTest.D1_TEXT));
        // a client's copy of an analysis extension is not kept either: that namespace is the server's own
        note.putArray("extension").addObject().put("url", NlpFhir.ANALYSIS).putArray("extension").addObject()
                .put("url", "version").put("valueString", "forged");
        note.withArray("extension").addObject().put("url", "http://example.org/other").put("valueString", "kept");
        notes.add(note);
        notes.add(NoteNlpTest.report("r1", "chest pain"));
        StringBuilder sb = new StringBuilder();
        for (ObjectNode r : notes) sb.append(NoteNlpTest.JSON.writeValueAsString(r)).append('\n');
        importPaths(Files.writeString(dir.resolve("notes.ndjson"), sb.toString()));

        assertThat(single("MATCH (n:Resource) WHERE n:DocumentReference OR n:DiagnosticReport "
                + "RETURN count(n) AS notes, count(n.nlpVersion) AS analyzed, COUNT { ()-[:MENTIONS]->() } AS mentions, "
                + "COUNT { MATCH (x:Resource) WHERE x.nlpNote IS NOT NULL OR x:Condition OR x:Observation OR x:MedicationStatement } AS derived"))
                .containsEntry("notes", 2L).containsEntry("analyzed", 0L).containsEntry("mentions", 0L).containsEntry("derived", 0L);
        JsonNode stored = NoteNlpTest.JSON.readTree(single("MATCH (d:DocumentReference {id: 'd1'}) RETURN d.json AS j").get("j").toString());
        assertThat(stored.get("extension")).hasSize(1);
        assertThat(stored.at("/extension/0/url").asText()).isEqualTo("http://example.org/other");
        assertThat(org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> rerun.run(SERVICE, true, 10, p -> { })))
                .hasMessageContaining("NLP is off");
    }
}
