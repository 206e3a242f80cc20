package org.caregraph.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.caregraph.ingest.ErrorReport;
import org.caregraph.ingest.ImportInput;
import org.caregraph.ingest.ImportProgress;
import org.caregraph.ingest.Importer;
import org.caregraph.nlp.NoteEnricher;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Import FHIR R4 data: Bundles (transaction, batch, collection, searchset), single resources, "
                + "NDJSON (.ndjson, .ndjson.gz) and directories of them, recursively. Idempotent.",
                "Exit status: 0 all imported, 2 some records rejected (see the error report), 1 failure."})
public class ImportCommand implements Callable<Integer> {
    @Mixin
    GraphOptions graph;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Files or directories.")
    List<Path> paths;

    @Option(names = "--errors", description = "NDJSON error report (default: ${DEFAULT-VALUE}).",
            defaultValue = "caregraph-import-errors.ndjson")
    Path errorFile;

    @Option(names = "--batch-size", description = "Resources per transaction (default: ${DEFAULT-VALUE}).", defaultValue = "2000")
    int batchSize;

    @Option(names = "--validate-only", description = "Read, validate and map everything and write the error report; store nothing.")
    boolean validateOnly;

    @Option(names = "--no-nlp", description = "Do not analyze notes (same as caregraph.nlp.enabled=false).")
    boolean noNlp;

    @Option(names = "--progress-ms", description = "Milliseconds between progress lines (default: ${DEFAULT-VALUE}).", defaultValue = "1000")
    long progressMs;

    @Override
    public Integer call() throws Exception {
        List<ImportInput> inputs = new ArrayList<>();
        for (Path p : paths) {
            if (!Files.exists(p)) {
                System.err.println("caregraph import: no such file or directory: " + p);
                return 1;
            }
            inputs.addAll(ImportInput.expand(p, p.toString()));
        }
        Files.deleteIfExists(errorFile);
        System.err.printf("Importing %d file(s)...%n", inputs.size());
        try (ConfigurableApplicationContext ctx = graph.startQuiet("--caregraph.import.batch-size=" + batchSize,
                "--caregraph.nlp.enabled=" + !noNlp);
             ErrorReport errors = new ErrorReport(errorFile)) {
            ConsoleProgress progress = new ConsoleProgress(System.err, progressMs);
            ImportProgress done = ctx.getBean(Importer.class).run(inputs, errors, progress, validateOnly);
            progress.done();
            NoteEnricher nlp = ctx.getBean(NoteEnricher.class);
            if (nlp.analyzer().isPresent()) System.out.println(NlpCommand.describe(nlp.stats()));
            if (validateOnly) {
                System.out.printf("Validated %,d resources from %d file(s) in %.1f s; %,d rejected%s; nothing stored%n",
                        done.imported(), inputs.size(), done.seconds(), done.failed(),
                        done.failed() > 0 ? " — see " + errorFile.toAbsolutePath() : "");
                return done.failed() > 0 ? 2 : 0;
            }
            System.out.printf("Imported %,d resources (%,d new or changed, %,d unchanged) from %d file(s) in %.1f s "
                            + "(%,.0f resources/s); %,d rejected%s%n",
                    done.imported(), done.written(), done.unchanged(), inputs.size(), done.seconds(), done.perSecond(),
                    done.failed(), done.failed() > 0 ? " — see " + errorFile.toAbsolutePath() : "");
            return done.failed() > 0 ? 2 : 0;
        }
    }
}
