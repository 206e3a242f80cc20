package org.caregraph.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.caregraph.CareGraphApplication;
import org.caregraph.graph.EmbeddedNeo4j;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import picocli.CommandLine.Option;

/** Options every command shares: where the graph is. They override application.properties and the environment. */
public class GraphOptions {
    @Option(names = "--data-dir", description = "Embedded Neo4j data directory (default: ./data, or CAREGRAPH_DATA_DIR).")
    Path dataDir;

    @Option(names = "--bolt-port", description = "Bolt port of the embedded Neo4j (default 7687; 0 picks a free one).")
    Integer boltPort;

    @Option(names = "--neo4j-uri", description = "External Neo4j (bolt://, neo4j://, bolt+s://...) instead of embedded; also NEO4J_URI.")
    String neo4jUri;

    List<String> springArgs() {
        List<String> args = new ArrayList<>();
        if (dataDir != null) args.add("--caregraph.neo4j.data-dir=" + dataDir);
        if (boltPort != null) args.add("--caregraph.neo4j.bolt-port=" + boltPort);
        if (neo4jUri != null) args.add("--caregraph.neo4j.uri=" + neo4jUri);
        return args;
    }

    /** Where the graph is, for messages: the external Neo4j, or the data directory. */
    String describe() {
        String uri = neo4jUri != null ? neo4jUri : System.getenv("NEO4J_URI");
        if (uri != null && !uri.isBlank()) return "the Neo4j at " + uri;
        return "the data directory " + (dataDir != null ? dataDir : System.getenv().getOrDefault("CAREGRAPH_DATA_DIR", "data"));
    }

    /** A command's work on one bean of the application. */
    interface BeanWork<T> {
        int run(T bean) throws Exception;
    }

    /** Runs {@code work} on the {@code type} bean of a quiet non-web context, closed afterwards. */
    <T> int withBean(Class<T> type, BeanWork<T> work) throws Exception {
        try (ConfigurableApplicationContext ctx = startQuiet()) {
            return work.run(ctx.getBean(type));
        }
    }

    /** A non-web application context for one-shot commands (quiet logs: the command prints what matters). */
    ConfigurableApplicationContext startQuiet(String... extra) {
        return start(WebApplicationType.NONE, extra);
    }

    /** The same with the HTTP APIs on a free loopback port (property local.server.port), for benchmarks over HTTP. */
    ConfigurableApplicationContext startQuietWeb(String... extra) {
        List<String> args = new ArrayList<>(List.of("--server.port=0"));
        args.addAll(List.of(extra));
        return start(WebApplicationType.SERVLET, args.toArray(String[]::new));
    }

    /**
     * A second server in this process on the same database as {@code served}, with authentication, scopes and audit
     * off (on loopback, as that mode requires) and no SQL store: the baseline that shows what security costs, measured
     * in the same run on the same data.
     */
    static ConfigurableApplicationContext startOpenMirror(ConfigurableApplicationContext served) throws IOException {
        Environment env = served.getEnvironment();
        EmbeddedNeo4j embedded = served.getBeanProvider(EmbeddedNeo4j.class).getIfAvailable();
        String uri = embedded != null ? embedded.boltUri() : env.getProperty("caregraph.neo4j.uri");
        String password = embedded != null ? embedded.password() : env.getProperty("caregraph.neo4j.password");
        return new SpringApplicationBuilder(CareGraphApplication.class).web(WebApplicationType.SERVLET).logStartupInfo(false)
                .run("--server.port=0", "--server.address=127.0.0.1", "--caregraph.security.enabled=false",
                        "--caregraph.audit.enabled=false", "--caregraph.sql.enabled=false", "--caregraph.neo4j.uri=" + uri,
                        "--caregraph.neo4j.username=" + env.getProperty("caregraph.neo4j.username", "neo4j"),
                        "--caregraph.neo4j.password=" + password,
                        "--caregraph.neo4j.data-dir=" + Files.createTempDirectory("caregraph-open-mirror"),
                        "--logging.level.root=WARN", "--logging.level.org.caregraph=WARN", "--caregraph.log.target=System.err");
    }

    private ConfigurableApplicationContext start(WebApplicationType web, String... extra) {
        List<String> args = springArgs();
        args.add("--logging.level.root=WARN");
        args.add("--logging.level.org.caregraph=WARN");
        args.add("--caregraph.log.target=System.err"); // stdout is the command's result (JSON, CSV, a token)
        args.addAll(List.of(extra));
        return new SpringApplicationBuilder(CareGraphApplication.class)
                .web(web)
                .logStartupInfo(false)
                .run(args.toArray(String[]::new));
    }
}
