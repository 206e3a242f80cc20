package org.caregraph.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import org.caregraph.graph.GraphStats;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;

@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Counts of stored resources per type, other nodes and relationships per type.")
public class StatsCommand implements Callable<Integer> {
    @Mixin
    GraphOptions graph;

    @Option(names = "--json", description = "Print JSON for scripts.")
    boolean json;

    @Override
    public Integer call() {
        try (ConfigurableApplicationContext ctx = graph.startQuiet()) {
            GraphStats.Stats s = ctx.getBean(GraphStats.class).read();
            if (json) {
                System.out.println(JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(s));
            } else {
                print("Resources (" + s.totalResources() + ")", s.resources());
                print("Other nodes", s.nodes());
                print("Relationships (" + s.totalRelationships() + ")", s.relationships());
            }
            return 0;
        }
    }

    private static void print(String title, Map<String, Long> counts) {
        System.out.println(title);
        counts.forEach((k, v) -> System.out.printf("  %-32s %,12d%n", k, v));
    }
}
