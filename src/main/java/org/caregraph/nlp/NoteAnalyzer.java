package org.caregraph.nlp;

import java.util.List;

/**
 * Clinical text → mentions with assertions. The import, the FHIR write path and the {@code /nlp} endpoint all use it.
 * Implementations are thread-safe: the import analyzes notes on several threads.
 */
public interface NoteAnalyzer {

    /** The entities of {@code text} (plain text; markup already stripped), in text order. */
    List<Mention> analyze(String text);

    /**
     * Identifies the lexicon and rules in use; stored beside each analyzed note, so that notes analyzed with an older
     * lexicon can be found and re-run.
     */
    String version();

    /** Brings the lexicon up to date with the stored concepts now (after a bulk import, before a re-run). */
    default void refresh() {
    }
}
