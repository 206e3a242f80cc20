package org.caregraph.security.logging;

import java.io.IOException;
import org.springframework.boot.logging.StackTracePrinter;
import org.springframework.boot.logging.StandardStackTracePrinter;

/**
 * The JSON logs' stack traces ({@code logging.structured.json.stacktrace.printer}) as {@link MessageFreeThrowableConverter}
 * prints the text logs' ones: each exception's class and frames, never its message, which may quote patient data.
 */
public class MessageFreeStackTracePrinter implements StackTracePrinter {
    private final StandardStackTracePrinter printer;

    /** Spring Boot passes its standard printer as configured by the other {@code stacktrace} properties. */
    public MessageFreeStackTracePrinter(StandardStackTracePrinter standard) {
        this.printer = standard.withFormatter(t -> t.getClass().getName());
    }

    @Override
    public void printStackTrace(Throwable throwable, Appendable out) throws IOException {
        printer.printStackTrace(throwable, out);
    }
}
