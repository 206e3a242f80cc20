package org.caregraph.nlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.caregraph.cli.CareGraphCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The NegEx evaluation: metrics on a hand-made file counted by hand, the dev-set quality bar, and the CLI. */
class NegexEvaluationTest {
    /** The development set shipped in the jar, as the CLI reads it by default. */
    private static final Path NEGEX_DEV = Path.of("src", "main", "resources", NegexEvaluation.DEV_SET).toAbsolutePath();
    private static final String HEADER = "line\tCondition\tsentence\tnegation\ttemporality\texperiencer\n";

    @TempDir Path dir;

    @Test
    void countsOnAHandMadeFile() throws IOException {
        Path tsv = dir.resolve("mini.tsv");
        Files.writeString(tsv, HEADER
                + "1\tfever\tPatient denies FEVER.\tNegated\tRecent\tPatient\n"            // tp
                + "2\tcough\tCOUGH for three days.\tAffirmed\tRecent\tPatient\n"           // tn
                + "3\tasthma\tHistory of ASTHMA.\tNegated\tHistorical\tPatient\n"          // fn, temporality right
                + "4\trash\tNo increase in RASH.\tAffirmed\tRecent\tPatient\n"             // tn (pseudo)
                + "5\tdiabetes\tMother has DIABETES.\tAffirmed\tRecent\tFamily member\n"   // tn, experiencer right
                + "6\tedema\tNo EDEMA.\tAffirmed\tNot particular\tPatient\n"               // fp, temporality wrong
                + "7\tgout\tThis row names a condition it lacks.\tAffirmed\tRecent\tPatient\n");
        NegexEvaluation.Result r = new NegexEvaluation(ContextEngine.standard()).evaluate(tsv);
        assertThat(r.n()).isEqualTo(6);
        assertThat(r.missingCondition()).isEqualTo(1);
        assertThat(new int[] {r.tp(), r.fp(), r.fn(), r.tn()}).containsExactly(1, 1, 1, 3);
        assertThat(r.precision()).isEqualTo(0.5);
        assertThat(r.recall()).isEqualTo(0.5);
        assertThat(r.f1()).isEqualTo(0.5);
        assertThat(r.temporalityCorrect()).isEqualTo(5);
        assertThat(r.experiencerCorrect()).isEqualTo(6);
    }

    @Test
    void capitalisedOccurrenceIsTheMention() {
        assertThat(NegexEvaluation.locate("BK virus panel: test for BK VIRUS is negative", "BK virus")).isEqualTo(25);
        assertThat(NegexEvaluation.locate("no fever", "Fever")).isEqualTo(3);
        assertThat(NegexEvaluation.locate("no fever", "cough")).isEqualTo(-1);
    }

    @Test
    void devSetNegationF1AtLeast093ThroughTheCli() throws IOException {
        assertThat(NEGEX_DEV).exists();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = new CommandLine(new CareGraphCommand()).execute("nlp", "eval-negex");
        } finally {
            System.setOut(saved);
        }
        assertThat(code).isZero();
        JsonNode json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        System.out.println(json);
        assertThat(json.get("n").asInt()).isGreaterThan(1150);
        JsonNode negation = json.get("negation");
        assertThat(negation.get("f1").asDouble()).isGreaterThanOrEqualTo(0.93);
        assertThat(negation.get("tp").asInt() + negation.get("fn").asInt()).isEqualTo(244 - missingNegated());
        assertThat(json.get("temporalityAccuracy").asDouble()).isGreaterThan(0.85);
        assertThat(json.get("experiencerAccuracy").asDouble()).isGreaterThan(0.95);
    }

    @Test
    void missingFileIsAnErrorNotACrash() {
        int code = new CommandLine(new CareGraphCommand()).execute("nlp", "eval-negex", dir.resolve("absent.tsv").toString());
        assertThat(code).isEqualTo(2);
    }

    /** Negated rows whose condition is not in their sentence (not scored), counted independently of the evaluator. */
    private static int missingNegated() throws IOException {
        int missing = 0;
        for (String line : Files.readAllLines(NEGEX_DEV).subList(1, Files.readAllLines(NEGEX_DEV).size())) {
            String[] f = line.split("\t");
            if (f[3].strip().equals("Negated") && !f[2].toLowerCase().contains(f[1].strip().toLowerCase())) {
                missing++;
            }
        }
        return missing;
    }
}
