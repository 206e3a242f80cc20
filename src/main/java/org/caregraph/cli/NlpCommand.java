package org.caregraph.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.caregraph.nlp.ContextEngine;
import org.caregraph.nlp.NegexEvaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Clinical NLP tools; plain Java, no Spring context or database. */
@Command(name = "nlp", mixinStandardHelpOptions = true, description = "Clinical NLP: assertion (ConText/NegEx) tools.",
        subcommands = NlpCommand.EvalNegex.class)
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
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result.toMap()));
            return 0;
        }
    }
}
