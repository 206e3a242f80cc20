package org.caregraph.cli;

import java.util.concurrent.Callable;
import org.caregraph.graph.GraphReindex;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "reindex", mixinStandardHelpOptions = true,
        description = {"Derive again, from each stored resource's JSON, what the graph keeps beside it (node facts, FHIR "
                + "search values, reference and code relationships, identifiers, encounter chains), without new versions: "
                + "for a data directory written by an older CareGraph (a re-import skips unchanged content).",
                "Exit status: 0 done, 2 some stored resources no longer map (left as they are; keys in the log)."})
public class ReindexCommand implements Callable<Integer> {
    @Mixin
    GraphOptions graph;

    @Option(names = "--page-size", defaultValue = "2000", description = "Resources per write transaction.")
    int pageSize;

    @Override
    public Integer call() {
        try (ConfigurableApplicationContext ctx = graph.startQuiet()) {
            long start = System.nanoTime();
            GraphReindex.Progress done = ctx.getBean(GraphReindex.class).run(pageSize, p ->
                    System.err.printf("  %,d resources read, %,d re-derived, %,d failed%n", p.read(), p.reindexed(), p.failed()));
            System.out.printf("Reindexed %,d resources in %.1f s (%,d failed)%n", done.reindexed(),
                    (System.nanoTime() - start) / 1e9, done.failed());
            return done.failed() > 0 ? 2 : 0;
        }
    }
}
