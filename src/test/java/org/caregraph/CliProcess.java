package org.caregraph;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.caregraph.cli.Main;

/**
 * The CareGraph CLI in a JVM of its own, as an operator runs it (the test classpath stands for the packaged jar): one-shot
 * commands, and servers that tests stop with SIGTERM or kill with SIGKILL.
 */
public final class CliProcess {
    private static final Pattern READY = Pattern.compile("CareGraph ready: (\\S+)");
    private static final Pattern NEO4J_STOPPED = Pattern.compile("Stopped 'DatabaseId\\{\\w+\\[neo4j]}' successfully");
    private static final Pattern TOKEN = Pattern.compile("Demo access token \\([^)]*\\): (\\S+)");

    private CliProcess() {
    }

    /**
     * A command that works through a server ({@code --server}: no Spring context, no store of its own) run in this
     * JVM, its stdout and stderr captured.
     */
    public static Result inProcess(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream saved = System.out;
        java.io.PrintStream savedErr = System.err;
        System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int exit = Main.commandLine().execute(args);
            return new Result(exit, out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(saved);
            System.setErr(savedErr);
        }
    }

    /** {@code caregraph ARGS} in {@code workDir}, stdout and stderr merged. */
    public static ProcessBuilder command(Path workDir, String... args) {
        return new ProcessBuilder(java(List.of(), args)).directory(workDir.toFile()).redirectErrorStream(true);
    }

    /** The command line of {@code caregraph ARGS} on the test classpath, with {@code jvmOptions} for its JVM. */
    public static List<String> java(List<String> jvmOptions, String... args) {
        // C1 only: these JVMs live seconds to minutes on a 2-core CI machine, where C2's compilations cost more than
        // they return (an import of the fixture: 25-26 s against 30-37 s; a one-shot `stats`: 16 s against 19-20 s)
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** A finished command: its exit status and output. */
    public record Result(int exit, String output) {
    }

    public static Result run(Path workDir, String... args) throws IOException, InterruptedException {
        Process p = command(workDir, args).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("caregraph " + String.join(" ", args) + " did not finish:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    /**
     * {@code caregraph serve --demo} on {@code data} (HTTP and Bolt on free ports), once it is ready: its URL and the
     * demo token it prints (every scope). Its output is kept for failure messages.
     */
    public static Server serve(Path workDir, Path data, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder b = command(workDir, "serve", "--demo", "--port", "0", "--data-dir", data.toString(), "--bolt-port", "0");
        b.environment().putAll(env);
        Process p = b.start();
        StringBuilder output = new StringBuilder();
        String url = null;
        String token = null;
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((url == null || token == null) && (line = out.readLine()) != null) {
            output.append(line).append('\n');
            Matcher m = READY.matcher(line);
            if (m.find()) url = m.group(1);
            Matcher t = TOKEN.matcher(line);
            if (t.find()) token = t.group(1);
        }
        if (url == null || token == null) {
            p.waitFor(1, TimeUnit.MINUTES);
            throw new AssertionError("the server did not start:\n" + output);
        }
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try {
                String l;
                while ((l = out.readLine()) != null) synchronized (output) { output.append(l).append('\n'); }
            } catch (IOException ignored) {
                // the process is gone
            }
        });
        return new Server(p, url, token, output, reader, data);
    }

    /** A running server process. */
    public record Server(Process process, String url, String token, StringBuilder output, Thread reader, Path data) {
        /** SIGKILL: no shutdown hook runs, nothing is flushed or closed. */
        public void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(1, TimeUnit.MINUTES);
        }

        /**
         * SIGTERM, as an operator stops it: fails unless the server shut down cleanly — its store closed, as its own
         * log says or, when the log lines of its last moments did not reach this process, as Neo4j's debug log of
         * the data directory says.
         */
        public void stop() throws InterruptedException, IOException {
            Path debugLog = data.resolve("logs").resolve("debug.log");
            long from = Files.exists(debugLog) ? Files.size(debugLog) : 0;
            process.destroy();
            if (!process.waitFor(3, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("the server did not stop on SIGTERM:\n" + log());
            }
            reader.join(Duration.ofMinutes(1)); // its output to the end
            if (log().contains("Embedded Neo4j stopped")) return;
            String after = "";
            if (Files.exists(debugLog)) {
                try (var in = Files.newInputStream(debugLog)) {
                    in.skipNBytes(Math.min(from, Files.size(debugLog)));
                    after = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
            if (!NEO4J_STOPPED.matcher(after).find()) {
                throw new AssertionError("no clean shutdown (exit " + process.exitValue() + "):\n" + log() + "\nNeo4j:\n" + after);
            }
        }

        public String log() {
            synchronized (output) {
                return output.toString();
            }
        }
    }
}
