package org.caregraph.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** Process entry point: `caregraph serve | import | stats | bench | ...`. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        logWarningsToStderr();
        int code = commandLine().execute(args);
        // Embedded Neo4j keeps non-daemon threads alive: a finished command must end the JVM itself (serve never returns).
        System.exit(code);
    }

    /**
     * The command tree as every entry point runs it. A file or a server that cannot be reached is the operator's to
     * fix, not a bug: one line on stderr ({@code caregraph token: Connection refused (http://...)}) and exit 1, where
     * picocli would print a stack trace. Anything else keeps its trace for the bug report.
     */
    public static CommandLine commandLine() {
        return new CommandLine(new CareGraphCommand()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (!(e instanceof java.io.IOException || e instanceof java.io.UncheckedIOException)) throw e;
                    Throwable cause = e instanceof java.io.UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
                    String what = cause.getMessage() == null ? cause.getClass().getSimpleName()
                            : cause.getClass().getSimpleName() + ": " + cause.getMessage();
                    cmd.getErr().println("caregraph " + cmd.getCommandName() + ": " + what);
                    return 1;
                });
    }

    /**
     * Until a command starts Spring (which then configures logging its own way), libraries log warnings only, on stderr:
     * the plain-Java commands (NLP evaluations, benchmarks) print their JSON on stdout, and HAPI's INFO lines must not
     * land in it.
     */
    private static void logWarningsToStderr() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) return;
        context.reset();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n");
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(stderr);
    }
}
