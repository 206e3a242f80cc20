package org.caregraph.cli;

import picocli.CommandLine;

/** Process entry point: `caregraph serve | import | stats | bench`. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int code = new CommandLine(new CareGraphCommand()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        // Embedded Neo4j keeps non-daemon threads alive: a finished command must end the JVM itself (serve never returns).
        System.exit(code);
    }
}
