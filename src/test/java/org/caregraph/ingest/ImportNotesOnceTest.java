package org.caregraph.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.caregraph.GraphTest;
import org.caregraph.nlp.NoteEnricher;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * An import analyzes each note once, with the real pipeline: the notes wait until everything else is written, so the
 * lexicon they are analyzed with already holds the concepts of their own Bundle (a Synthea note comes before the
 * Conditions it names), and the end-of-import catch-up finds nothing to analyze again. Before, every note was analyzed
 * when mapped and again at the end.
 */
class ImportNotesOnceTest extends GraphTest {
    @Autowired NoteEnricher enricher;

    @Test
    void eachNoteIsAnalyzedOnceWithTheConceptsOfItsOwnBundle() {
        requireFixture();
        clearGraph();
        long before = enricher.stats().notes();
        ImportProgress done = importPaths(SYNTHEA);
        assertThat(done.failed()).isZero();

        Map<String, Object> notes = single("""
                MATCH (n:Resource) WHERE n:DocumentReference OR (n:DiagnosticReport AND n.json CONTAINS '"presentedForm"')
                RETURN count(n) AS notes, count(n.nlpVersion) AS analyzed""");
        long count = (Long) notes.get("notes");
        assertThat(count).isGreaterThan(10);
        assertThat(notes.get("analyzed")).isEqualTo(count);
        assertThat(enricher.stats().notes() - before).as("notes analyzed during the import").isEqualTo(count);

        // analyzed with the lexicon of the whole import: a note mentions conditions coded only later in its Bundle
        Map<String, Object> linked = single("""
                MATCH (d:DocumentReference)-[m:MENTIONS]->(k:Concept)<-[c:CODED {path: 'Condition.code'}]-(:Condition)
                WHERE k.system <> 'http://caregraph.org/fhir/CodeSystem/nlp-text'
                RETURN count(DISTINCT d) AS notes""");
        assertThat((Long) linked.get("notes")).isGreaterThan(0L);

        // importing the same files again analyzes each note once more (to compare), and changes nothing
        long again = enricher.stats().notes();
        ImportProgress second = importPaths(SYNTHEA);
        assertThat(second.written()).isZero();
        assertThat(enricher.stats().notes() - again).isEqualTo(count);
    }
}
