package org.caregraph.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.caregraph.ingest.ErrorReport;
import org.caregraph.terminology.Terminology;
import org.caregraph.terminology.TerminologyLoader;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Terminology files a user holds a licence for, loaded into the Concept nodes (see loaders/terminology.md). */
@Command(name = "terminology", mixinStandardHelpOptions = true,
        description = "Terminologies: load SNOMED CT, RxNorm, ICD-10-CM or LOINC release files into the Concept nodes.",
        subcommands = TerminologyCommand.Load.class)
public class TerminologyCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "load", mixinStandardHelpOptions = true,
            description = {"Load a terminology: display names, synonyms and IS_A hierarchy of its concepts. Idempotent.",
                    "PATH: snomed — an RF2 Snapshot folder (or its sct2_Description_Snapshot-en file); rxnorm — RXNCONSO.RRF "
                            + "or its folder; icd10cm — icd10cm_order_YYYY.txt or its folder; loinc — Loinc.csv or the "
                            + "release folder (adds MultiAxialHierarchy.csv when there).",
                    "Exit status: 0 loaded, 2 loaded but some lines unreadable (see the error report), 1 failure."})
    static class Load implements Callable<Integer> {
        @Mixin
        GraphOptions graph;

        @Option(names = "--format", required = true, description = "snomed, rxnorm, icd10cm or loinc.")
        Terminology format;

        @Parameters(paramLabel = "PATH", description = "File or release folder.")
        Path path;

        @Option(names = "--errors", description = "NDJSON report of unreadable lines (default: ${DEFAULT-VALUE}).",
                defaultValue = "caregraph-terminology-errors.ndjson")
        Path errorFile;

        @Option(names = "--pass-mb", description = "SNOMED/RxNorm: MB of the file grouped in memory per pass "
                + "(a smaller heap needs a smaller value; default: ${DEFAULT-VALUE}).", defaultValue = "256")
        long passMb;

        @Option(names = "--progress-ms", description = "Milliseconds between progress lines (default: ${DEFAULT-VALUE}).", defaultValue = "1000")
        long progressMs;

        @Override
        public Integer call() throws Exception {
            if (!Files.exists(path)) {
                System.err.println("caregraph terminology load: no such file or directory: " + path);
                return 1;
            }
            Files.deleteIfExists(errorFile);
            System.err.printf("Loading %s from %s...%n", format.name().toLowerCase(), path);
            try (ConfigurableApplicationContext ctx = graph.startQuiet(); ErrorReport errors = new ErrorReport(errorFile)) {
                ConsoleProgress progress = new ConsoleProgress(System.err, progressMs);
                TerminologyLoader.Result r;
                try {
                    r = ctx.getBean(TerminologyLoader.class).load(format, path, passMb << 20, errors, progress);
                } catch (IllegalArgumentException e) {
                    System.err.println("caregraph terminology load: " + e.getMessage());
                    return 1;
                }
                progress.done();
                System.out.printf("Loaded %,d concepts (%,d new, %,d updated, %,d unchanged) and %,d IS_A edges (%,d new, "
                                + "%,d unchanged, %,d skipped: an end not loaded) in %.1f s (%,.0f concepts/s); %,d unreadable lines%s%n",
                        r.rows(), r.created(), r.updated(), r.unchanged(), r.edges(), r.edgesCreated(), r.edgesExisting(),
                        r.edgesMissing(), r.seconds(), r.rowsPerSecond(), r.badLines(),
                        r.badLines() > 0 ? " — see " + errorFile.toAbsolutePath() : "");
                return r.badLines() > 0 ? 2 : 0;
            }
        }
    }
}
