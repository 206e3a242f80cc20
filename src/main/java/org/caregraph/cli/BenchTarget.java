package org.caregraph.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.caregraph.graph.GraphReader;
import org.caregraph.ingest.ErrorReport;
import org.caregraph.ingest.ImportInput;
import org.caregraph.ingest.ImportProgress;
import org.caregraph.ingest.Importer;
import org.caregraph.security.AccessContext;
import org.neo4j.driver.Record;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What the HTTP benchmarks ({@code bench-api}, {@code bench-load}) run against: the server started in-process on a
 * free loopback port over the graph (after importing PATHs, if given), a real token of its own issuer with every scope
 * at system level (BenchToken), and inputs chosen from the graph (bench-api-inputs.cypher): patients sampled evenly, the most
 * common condition and observation codes.
 */
record BenchTarget(String base, String token, Record inputs, List<String> patients, List<String> sample) {

    /** Imports {@code paths} (if any) and picks the inputs; null (after saying why) when the graph has no patients. */
    static BenchTarget open(ConfigurableApplicationContext ctx, List<Path> paths, int sampleSize, String client) throws Exception {
        if (!paths.isEmpty()) {
            List<ImportInput> inputs = new ArrayList<>();
            for (Path p : paths) inputs.addAll(ImportInput.expand(p, p.toString()));
            try (ErrorReport errors = new ErrorReport(Path.of(client + "-errors.ndjson"))) {
                ImportProgress done = ctx.getBean(Importer.class).run(inputs, errors, p -> { });
                System.err.printf("imported %,d resources (%,d new or changed) in %.1f s%n", done.imported(), done.written(), done.seconds());
            }
        }
        Record inputs = ctx.getBean(GraphReader.class).list(AccessContext.service(client), "bench-api-inputs", Map.of(), r -> r).getFirst();
        String token = BenchToken.issue(ctx);
        List<String> all = inputs.get("patients").asList(v -> v.asString());
        if (all.isEmpty()) {
            System.err.println("caregraph " + client + ": the graph has no patients; give a PATH to import");
            return null;
        }
        int n = Math.min(sampleSize, all.size());
        List<String> sample = new ArrayList<>();
        for (int i = 0; i < n; i++) sample.add(all.get((int) ((long) i * all.size() / n)));
        return new BenchTarget("http://127.0.0.1:" + ctx.getEnvironment().getProperty("local.server.port"), token, inputs,
                all, sample);
    }

    Map<String, Object> condition() {
        return Map.of("system", inputs.get("system").asString(), "code", inputs.get("code").asString());
    }

    /** system|code of the most common condition, for FHIR token searches */
    String conditionToken() {
        return inputs.get("system").asString() + "|" + inputs.get("code").asString();
    }

    String observationToken() {
        return inputs.get("observationSystem").asString() + "|" + inputs.get("observationCode").asString();
    }
}
