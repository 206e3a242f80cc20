package org.caregraph.terminology;

import java.io.IOException;
import java.nio.file.Path;

/** Streams one terminology format from a file or a release folder into a sink, without holding the files in memory. */
public interface TerminologyReader {
    void read(Path path, TerminologySink sink) throws IOException;
}
