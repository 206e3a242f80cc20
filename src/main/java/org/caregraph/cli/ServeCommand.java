package org.caregraph.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.caregraph.CareGraphApplication;
import org.caregraph.graph.EmbeddedNeo4j;
import org.caregraph.ingest.ImportInput;
import org.caregraph.ingest.ImportJobs;
import org.caregraph.ingest.ImportProgress;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the server (HTTP APIs on 127.0.0.1:8080 by default) on the embedded or external graph.")
public class ServeCommand implements Callable<Integer> {
    @Mixin
    GraphOptions graph;

    @Option(names = "--port", description = "HTTP port (default 8080, or PORT).")
    Integer port;

    @Option(names = "--address", description = "Address to listen on (default 127.0.0.1, or SERVER_ADDRESS). Any other "
            + "than loopback needs HTTPS (--tls-cert, --tls-key) or --tls-proxy.")
    String address;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Serve HTTPS (TLS 1.3/1.2) with this certificate "
            + "chain (PEM; or CAREGRAPH_TLS_CERT).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The certificate's private key (PEM, PKCS#8 or "
            + "PKCS#1; or CAREGRAPH_TLS_KEY; an encrypted key's password in CAREGRAPH_TLS_KEY_PASSWORD).")
    Path tlsKey;

    @Option(names = "--tls-proxy", description = "A reverse proxy in front terminates TLS: allows a non-loopback "
            + "address without HTTPS and honours X-Forwarded-* from CAREGRAPH_TRUSTED_PROXIES (default loopback).")
    boolean tlsProxy;

    @Option(names = "--import", paramLabel = "PATH", description = "Files or directories to import once the server is up "
            + "(runs as an import job; poll it at /import).")
    List<Path> imports = new ArrayList<>();

    @Option(names = "--demo", description = "Demo mode: register a demo backend client and print a token it got and a curl "
            + "line; add a demo user for the web UI (the launcher script's --demo also imports a Synthea population).")
    boolean demo;

    /**
     * The launcher's training start for the AOT cache ({@code -Dcaregraph.serve.training=true}): serve, run the
     * {@code --import} job, stop. The classes and method profiles of an import (mapping, NLP, the writer's Cypher) are
     * then in the cache too, not only those of the start: the demo's import is the first thing a new user waits for.
     */
    static final String TRAINING = "caregraph.serve.training";

    @Override
    public Integer call() throws InterruptedException, java.io.IOException {
        for (Path p : imports) {
            if (!Files.exists(p)) {
                System.err.println("caregraph serve: no such file or directory: " + p);
                return 1;
            }
        }
        List<String> args = graph.springArgs();
        if (port != null) args.add("--server.port=" + port);
        if (address != null) args.add("--server.address=" + address);
        if (tlsCert != null) args.add("--caregraph.tls.cert=" + tlsCert);
        if (tlsKey != null) args.add("--caregraph.tls.key=" + tlsKey);
        if (tlsProxy) args.add("--caregraph.tls.proxy=true");
        ConfigurableApplicationContext ctx;
        try {
            var startup = StartupReport.fromEnvironment();
            var builder = new SpringApplicationBuilder(CareGraphApplication.class);
            if (startup != null) builder.applicationStartup(startup.recorder());
            ctx = builder.run(args.toArray(String[]::new));
            if (startup != null) startup.print(System.err);
        } catch (RuntimeException e) {
            return 1; // Spring has reported why (a failure analysis saying what to do, or the stack trace)
        }
        CountDownLatch closed = new CountDownLatch(1);
        ctx.addApplicationListener(e -> {
            if (e instanceof ContextClosedEvent) closed.countDown();
        });
        String http = (ctx.getEnvironment().containsProperty("server.ssl.bundle") ? "https://" : "http://")
                + ctx.getEnvironment().getProperty("server.address", "127.0.0.1") + ":"
                + ctx.getEnvironment().getProperty("local.server.port");
        long ready = System.nanoTime();
        System.out.println("CareGraph ready: " + http);
        EmbeddedNeo4j neo4j = ctx.getBeanProvider(EmbeddedNeo4j.class).getIfAvailable();
        if (neo4j != null) {
            // On stdout for the operator, never in the log: analysts attach cypher-shell or Neo4j Browser with it.
            System.out.println("Neo4j (embedded): " + neo4j.boltUri() + ", user " + EmbeddedNeo4j.USER + ", password "
                    + neo4j.password() + " (kept in " + neo4j.passwordFile() + ")");
        }
        if (demo) DemoAccess.printToken(ctx, http, System.out);
        ImportJobs.Job job = null;
        Thread watch = null;
        if (!imports.isEmpty()) {
            List<ImportInput> inputs = new ArrayList<>();
            for (Path p : imports) inputs.addAll(ImportInput.expand(p, p.toString()));
            ImportJobs.Job submitted = ctx.getBean(ImportJobs.class).submitTrusted(inputs);
            System.out.println("Importing " + inputs.size() + " file(s) as job " + submitted.id() + ": " + http + "/import/" + submitted.id());
            watch = Thread.ofPlatform().daemon().name("import-watch").start(() -> report(submitted, ready));
            job = submitted;
        }
        if (demo) DemoAccess.demoUser(ctx, http, job, System.out);
        if (Boolean.getBoolean(TRAINING)) { // the launcher's AOT training run: up, the import done, and out
            if (watch != null) watch.join(); // its line says how the import went, printed before the context stops
            ctx.close();
            return job == null || job.status() == ImportJobs.Status.COMPLETED ? 0 : 1;
        }
        closed.await(); // until SIGTERM / Ctrl-C closes the context (Spring's shutdown hook)
        return 0;
    }

    /** Prints when the startup import ended, counted from the server being ready (the demo's promise: within 10 s). */
    private static void report(ImportJobs.Job job, long ready) {
        try {
            while (job.finished() == null) Thread.sleep(50);
        } catch (InterruptedException e) {
            return;
        }
        ImportProgress done = job.progress();
        System.out.printf("Import job %s %s: %,d resources (notes analysed) in %.1f s, %.1f s after the server was ready%n",
                job.id(), job.status(), done == null ? 0 : done.imported(), done == null ? 0 : done.seconds(),
                (System.nanoTime() - ready) / 1e9);
    }
}
