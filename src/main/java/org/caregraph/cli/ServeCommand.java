package org.caregraph.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.caregraph.CareGraphApplication;
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

    @Option(names = "--import", paramLabel = "PATH", description = "Files or directories to import once the server is up "
            + "(runs as an import job; poll it at /import).")
    List<Path> imports = new ArrayList<>();

    @Option(names = "--demo", description = "Demo mode: print a ready-to-use access token and a curl line (the launcher "
            + "script's --demo also imports a Synthea population).")
    boolean demo;

    @Override
    public Integer call() throws InterruptedException {
        for (Path p : imports) {
            if (!Files.exists(p)) {
                System.err.println("caregraph serve: no such file or directory: " + p);
                return 1;
            }
        }
        List<String> args = graph.springArgs();
        if (port != null) args.add("--server.port=" + port);
        ConfigurableApplicationContext ctx = new SpringApplicationBuilder(CareGraphApplication.class).run(args.toArray(String[]::new));
        CountDownLatch closed = new CountDownLatch(1);
        ctx.addApplicationListener(e -> {
            if (e instanceof ContextClosedEvent) closed.countDown();
        });
        String http = "http://" + ctx.getEnvironment().getProperty("server.address", "127.0.0.1") + ":"
                + ctx.getEnvironment().getProperty("local.server.port");
        long ready = System.nanoTime();
        System.out.println("CareGraph ready: " + http);
        if (demo) DemoAccess.print(ctx, http);
        if (!imports.isEmpty()) {
            List<ImportInput> inputs = new ArrayList<>();
            for (Path p : imports) inputs.addAll(ImportInput.expand(p, p.toString()));
            ImportJobs.Job job = ctx.getBean(ImportJobs.class).submitTrusted(inputs);
            System.out.println("Importing " + inputs.size() + " file(s) as job " + job.id() + ": " + http + "/import/" + job.id());
            Thread.ofPlatform().daemon().name("import-watch").start(() -> report(job, ready));
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
