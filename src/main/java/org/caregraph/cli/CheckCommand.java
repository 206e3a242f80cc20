package org.caregraph.cli;

import java.io.InputStream;
import java.util.concurrent.Callable;
import org.caregraph.graph.GraphCheck;
import org.caregraph.security.AccessContext;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Verify the graph's invariants against the stored JSON: every reference, coding, identifier and "
                + "search value each resource's JSON implies is in the graph and nothing else, compartments, tombstones, "
                + "version chains, placeholders, encounter chains in time order. Each violation is reported (kind, key, "
                + "detail). On the data directory (or NEO4J_URI), or through a running server with --server.",
                "Exit status: 0 clean, 2 violations found, 1 the check could not run."})
public class CheckCommand implements Callable<Integer> {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Mixin
    GraphOptions graph;

    @Mixin
    AdminClient admin;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Override
    public Integer call() {
        GraphCheck.Report report;
        try {
            if (admin.remote()) {
                try (InputStream in = admin.get("/admin/check", "application/json")) {
                    report = JSON.readValue(in, GraphCheck.Report.class);
                }
            } else {
                try (ConfigurableApplicationContext ctx = graph.startQuiet()) {
                    report = ctx.getBean(GraphCheck.class).run(AccessContext.service("check"),
                            n -> System.err.printf("  %,d resources checked%n", n));
                }
            }
        } catch (Exception e) {
            System.err.println("caregraph check: " + (AdminClient.storeInUse(e)
                    ? "a server holds " + graph.describe() + "; check it through it: caregraph check --server http://127.0.0.1:8080"
                    : e.getMessage()));
            return 1;
        }
        if (json) {
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        } else {
            System.out.printf("Checked %,d resources, %,d deleted, %,d placeholders, %,d versions, %,d patients' journeys"
                    + " (%,d pending relinking): %s%n", report.resources(), report.deleted(), report.placeholders(),
                    report.versions(), report.patients(), report.pendingJourneys(),
                    report.clean() ? "clean" : String.format("%,d violations", report.totalViolations()));
            report.violationsByKind().forEach((kind, n) -> System.out.printf("  %-24s %,10d%n", kind, n));
            for (GraphCheck.Violation v : report.violations()) System.out.println(v.kind() + "  " + v.key() + "  " + v.detail());
            if (report.violations().size() < report.totalViolations()) {
                System.out.printf("(the first %,d listed)%n", report.violations().size());
            }
        }
        return report.clean() ? 0 : 2;
    }
}
