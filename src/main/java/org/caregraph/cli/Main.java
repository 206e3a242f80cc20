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
        int code = new CommandLine(new CareGraphCommand()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        // Embedded Neo4j keeps non-daemon threads alive: a finished command must end the JVM itself (serve never returns).
        System.exit(code);
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
