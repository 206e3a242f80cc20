package org.caregraph.cli;

import org.caregraph.security.AccessContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.caregraph.nlp.ClinicalPipeline;
import org.caregraph.nlp.ContextEngine;
import org.caregraph.nlp.NegexEvaluation;
import org.caregraph.nlp.NlpBenchmark;
import org.caregraph.nlp.NoteEnricher;
import org.caregraph.nlp.NoteRerun;
import org.caregraph.nlp.SyntheaCorpus;
import org.caregraph.nlp.SyntheaEvaluation;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Clinical NLP tools: the evaluations and the benchmark are plain Java (no Spring context or database); rerun works on a graph. */
@Command(name = "nlp", mixinStandardHelpOptions = true,
        description = "Clinical NLP: evaluations of the assertion engine and the pipeline, the pipeline's benchmark, re-running NLP over stored notes.",
        subcommands = {NlpCommand.EvalNegex.class, NlpCommand.EvalSynthea.class, NlpCommand.Bench.class, NlpCommand.Rerun.class})
public class NlpCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** The NLP line of an import or rerun summary (counts only). */
    static String describe(NoteEnricher.Stats s) {
        return String.format("NLP: %,d notes analyzed, %,d mentions, %,d derived resources, %,d attachments skipped "
                + "(content type or external URL), %,d notes failed", s.notes(), s.mentions(), s.derived(), s.skippedAttachments(), s.failed());
    }

    @Command(name = "rerun", mixinStandardHelpOptions = true,
            description = {"Analyze stored notes again (after the lexicon or rules changed): those whose stored nlpVersion "
                    + "is not the analyzer's version (never analyzed, older lexicon, or failed), or all with --all. "
                    + "Written through the single writer; a note whose analysis is unchanged is not rewritten.",
                    "Exit status: 0 done, 2 some notes failed (stored without mentions), 1 NLP is off."})
    static class Rerun implements Callable<Integer> {
        @Mixin
        GraphOptions graph;

        @Option(names = "--all", description = "Every note, not only those analyzed with another version.")
        boolean all;

        @Option(names = "--page-size", description = "Notes per transaction (default: ${DEFAULT-VALUE}).", defaultValue = "200")
        int pageSize;

        @Override
        public Integer call() {
            try (ConfigurableApplicationContext ctx = graph.startQuiet()) {
                long start = System.nanoTime();
                NoteRerun.Progress done;
                try {
                    done = ctx.getBean(NoteRerun.class).run(AccessContext.service("nlp rerun"), all, pageSize, p -> System.err.printf(
                            "  %,d notes  %,d rewritten  %,d failed%n", p.read(), p.rewritten(), p.failed()));
                } catch (IllegalStateException e) {
                    System.err.println("caregraph nlp rerun: " + e.getMessage());
                    return 1;
                }
                System.out.printf("Re-ran NLP on %,d notes (%,d rewritten, %,d failed) in %.1f s%n", done.read(),
                        done.rewritten(), done.failed(), (System.nanoTime() - start) / 1e9);
                System.out.println(describe(ctx.getBean(NoteEnricher.class).stats()));
                return done.failed() > 0 ? 2 : 0;
            }
        }
    }

    @Command(name = "eval-negex", mixinStandardHelpOptions = true,
            description = "Score the assertion engine on a NegEx-format TSV (default: the bundled development set); prints JSON "
                    + "(negation P/R/F1, temporality and experiencer accuracy).")
    static class EvalNegex implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", arity = "0..1",
                description = "TSV: line, condition, sentence, negation status, temporality, experiencer (header first); "
                        + "default: the NegEx development set shipped in the jar (" + NegexEvaluation.DEV_SET + ")")
        Path file;

        @Override
        public Integer call() throws Exception {
            if (file != null && !Files.isReadable(file)) {
                System.err.println("cannot read " + file);
                return 2;
            }
            NegexEvaluation evaluation = new NegexEvaluation(ContextEngine.standard());
            NegexEvaluation.Result result = file == null ? evaluation.evaluateDevSet() : evaluation.evaluate(file);
            print(result.toMap());
            return 0;
        }
    }

    /** A command over a folder of Synthea Bundles: checks the folder, reads the corpus, hands it on. */
    abstract static class SyntheaCommand implements Callable<Integer> {
        @Parameters(paramLabel = "DIR", description = "folder of Synthea FHIR transaction Bundles (*.json)")
        Path dir;

        @Override
        public Integer call() throws Exception {
            if (!Files.isDirectory(dir) || notes() < 0) {
                System.err.println("need a folder of Bundles (and counts of at least 1): " + dir);
                return 2;
            }
            print(run(SyntheaCorpus.read(dir, notes())));
            return 0;
        }

        /** How many notes to read (0 = all). */
        abstract int notes();

        abstract Object run(SyntheaCorpus corpus) throws Exception;
    }

    @Command(name = "eval-synthea", mixinStandardHelpOptions = true,
            description = "Recovery of each note's encounter conditions and medications from the note text (Synthea Bundles); "
                    + "lexicon from the Bundles' codings plus the curated list; prints JSON (micro P/R/F1).")
    static class EvalSynthea extends SyntheaCommand {
        @Option(names = "--notes", description = "stop reading Bundles once this many notes are read (default: all)")
        int notes;

        @Override
        int notes() {
            return notes;
        }

        @Override
        Object run(SyntheaCorpus corpus) {
            return SyntheaEvaluation.evaluate(corpus, ClinicalPipeline.of(corpus.lexicon()));
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = "Pipeline throughput over Synthea notes (median of runs after a warm-up), against sentence "
                    + "splitting + tokenizing alone; prints JSON.")
    static class Bench extends SyntheaCommand {
        @Option(names = "--notes", defaultValue = "2000", description = "notes to read (default ${DEFAULT-VALUE})")
        int notes;

        @Option(names = "--runs", defaultValue = "5", description = "timed runs (default ${DEFAULT-VALUE})")
        int runs;

        @Option(names = "--threads", defaultValue = "1", description = "analyzing threads (default ${DEFAULT-VALUE})")
        int threads;

        @Override
        int notes() {
            return notes < 1 || runs < 1 || threads < 1 ? -1 : notes;
        }

        @Override
        Object run(SyntheaCorpus corpus) throws Exception {
            List<String> texts = corpus.notes().stream().limit(notes).map(SyntheaCorpus.Note::text).toList();
            Map<String, Object> result = new LinkedHashMap<>(NlpBenchmark.run(texts, ClinicalPipeline.of(corpus.lexicon()), runs, threads));
            result.put("lexiconFromBundles", corpus.files());
            return result;
        }
    }

    private static void print(Object result) throws Exception {
        System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result));
    }
}
