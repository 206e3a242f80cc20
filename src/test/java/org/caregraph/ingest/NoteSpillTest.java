package org.caregraph.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.caregraph.graph.ResourceRecord;
import org.junit.jupiter.api.Test;

/** The import's notes set aside on disk are PHI: read back whole, and never findable by name in the temporary directory. */
class NoteSpillTest {
    private static ResourceRecord note(int i) {
        String json = "{\"resourceType\":\"DocumentReference\",\"id\":\"n" + i + "\"}";
        return new ResourceRecord("DocumentReference/n" + i, "DocumentReference", "n" + i, json, "h" + i, "c" + i,
                "2026-01-01T00:00:00Z", "Patient/p", List.of(), List.of(), List.of(), Map.of(), Map.of(), null);
    }

    @Test
    void notesComeBackInOrderFromAFileWithoutAName() {
        List<NoteSpill.Entry> read = new ArrayList<>();
        try (NoteSpill spill = new NoteSpill()) {
            assertThat(spill.visible()).as("the file's name is removed once it is open").isFalse();
            for (int i = 0; i < 200; i++) spill.add("notes.ndjson", i + 1, note(i));
            assertThat(spill.visible()).isFalse();
            spill.forEach(read::add);
        }
        assertThat(read).hasSize(200);
        assertThat(read.get(0).line()).isEqualTo(1);
        assertThat(read.get(199).record().key()).isEqualTo("DocumentReference/n199");
        assertThat(read.get(73).file()).isEqualTo("notes.ndjson");
    }
}
