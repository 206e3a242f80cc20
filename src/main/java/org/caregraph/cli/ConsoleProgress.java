package org.caregraph.cli;

import java.io.PrintStream;
import java.util.function.Consumer;
import org.caregraph.ingest.ImportProgress;

/** Progress of a long import on the terminal: records, records/s, errors; a line at most every {@code intervalMs}. */
final class ConsoleProgress implements Consumer<ImportProgress> {
    private final PrintStream out;
    private final long intervalMs;
    private final boolean tty = System.console() != null;
    private long last;

    ConsoleProgress(PrintStream out, long intervalMs) {
        this.out = out;
        this.intervalMs = intervalMs;
    }

    @Override
    public void accept(ImportProgress p) {
        long now = System.currentTimeMillis();
        if (now - last < intervalMs) return;
        last = now;
        String line = String.format("  %,d records  %,d written  %,d unchanged  %,.0f records/s  %,d errors",
                p.read(), p.written(), p.unchanged(), p.perSecond(), p.failed());
        if (tty) out.print("\r" + line);
        else out.println(line);
        out.flush();
    }

    void done() {
        if (tty) out.println();
    }
}
