package org.caregraph.security.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.logging.StandardStackTracePrinter;

/** The JSON logs' stack traces: classes and frames of the whole chain, none of the messages (they may quote PHI). */
class MessageFreeStackTracePrinterTest {
    @Test
    void printsClassesAndFramesWithoutMessages() throws Exception {
        Exception e = new IllegalStateException("patient Jane Smith 1970-01-01",
                new IllegalArgumentException("MRN 12345 not found"));
        StringBuilder out = new StringBuilder();
        new MessageFreeStackTracePrinter(StandardStackTracePrinter.rootLast()).printStackTrace(e, out);
        assertThat(out).contains("java.lang.IllegalStateException", "Caused by: java.lang.IllegalArgumentException",
                "at org.caregraph.security.logging.MessageFreeStackTracePrinterTest");
        assertThat(out).doesNotContain("Jane", "Smith", "12345", "1970");
    }
}
