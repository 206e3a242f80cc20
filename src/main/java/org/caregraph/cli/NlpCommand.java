package org.caregraph.cli;

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
import org.caregraph.nlp.SyntheaCorpus;
import org.caregraph.nlp.SyntheaEvaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Clinical NLP tools; plain Java, no Spring context or database. */
@Command(name = "nlp", mixinStandardHelpOptions = true,
        description = "Clinical NLP: evaluations of the assertion engine and the pipeline, and the pipeline's benchmark.",
        subcommands = {NlpCommand.EvalNegex.class, NlpCommand.EvalSynthea.class, NlpCommand.Bench.class})
public class NlpCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "eval-negex", mixinStandardHelpOptions = true,
            description = "Score the assertion engine on a NegEx-format TSV; prints JSON (negation P/R/F1, temporality and experiencer accuracy).")
    static class EvalNegex implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "TSV: line, condition, sentence, negation status, temporality, experiencer (header first)")
        Path file;

        @Override
        public Integer call() throws Exception {
            if (!Files.isReadable(file)) {
                System.err.println("cannot read " + file);
                return 2;
            }
            NegexEvaluation.Result result = new NegexEvaluation(ContextEngine.standard()).evaluate(file);
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
