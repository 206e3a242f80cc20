package org.caregraph.terminology;

import java.nio.file.Path;

/** Where a reader sends what it reads, as it reads it: concepts first, IS_A edges (codes of the same system) after them. */
public interface TerminologySink {
    void concept(ConceptRow row);

    void isA(String childCode, String parentCode);

    /** A line that could not be read; the load goes on. */
    void bad(Path file, long line, String reason);
}
