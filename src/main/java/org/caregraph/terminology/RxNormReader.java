package org.caregraph.terminology;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RxNorm RXNCONSO.RRF (pipe-delimited, 18 columns: RXCUI|LAT|TS|LUI|STT|SUI|ISPREF|RXAUI|SAUI|SCUI|SDUI|SAB|TTY|CODE|
 * STR|SRL|SUPPRESS|CVF): one concept per RXCUI from its SAB=RXNORM atoms that are not suppressed (SUPPRESS=N). Each
 * RXCUI has one normalized name of its own term type (IN, SCD, SBD, BN, ...): that is the display; the synonyms are
 * the other atoms (PSN prescribable name, SY, TMSY tall-man, ET). RxNorm's relations (RXNREL: has_ingredient,
 * tradename_of, consists_of, ...) are not subsumption, so no IS_A is loaded.
 * <p>
 * Atoms of one RXCUI are grouped in memory one slice of RXCUIs at a time (the file is read once per slice).
 */
final class RxNormReader implements TerminologyReader {
    // the display is the atom of the first term type in this order; synonym-only types come last
    static final List<String> TERM_TYPES = List.of("IN", "PIN", "MIN", "SCD", "SBD", "GPCK", "BPCK", "SCDG", "SBDG",
            "SCDF", "SBDF", "SCDFP", "SBDFP", "SCDGP", "SCDC", "SBDC", "BN", "DF", "DFG", "PSN", "SY", "TMSY", "ET");
    private static final int UNLISTED = TERM_TYPES.indexOf("PSN"); // a new normalized type ranks before the synonyms
    private static final String SYSTEM = Terminology.RXNORM.system();

    private final long bytesPerPass;

    RxNormReader(long bytesPerPass) {
        this.bytesPerPass = bytesPerPass;
    }

    private record Atom(String tty, String str) {
        int rank() {
            int i = TERM_TYPES.indexOf(tty);
            return i < 0 ? UNLISTED : i;
        }
    }

    @Override
    public void read(Path path, TerminologySink sink) throws IOException {
        List<Path> files = TerminologyFiles.require(path, "RXNCONSO\\.RRF", "RxNorm RXNCONSO.RRF");
        int passes = TerminologyFiles.passes(files, bytesPerPass);
        for (int pass = 0; pass < passes; pass++) {
            Map<String, List<Atom>> concepts = new LinkedHashMap<>();
            for (Path file : files) read(file, pass, passes, concepts, sink);
            concepts.forEach((rxcui, atoms) -> sink.concept(row(rxcui, atoms)));
        }
    }

    private static void read(Path file, int pass, int passes, Map<String, List<Atom>> concepts, TerminologySink sink) throws IOException {
        TerminologyFiles.lines(file, (n, line) -> {
            String[] f = line.split("\\|", -1);
            // every field ends with '|', so a well-formed line splits into 18 fields and an empty 19th
            int fields = f[f.length - 1].isEmpty() ? f.length - 1 : f.length;
            String problem = f.length != 19 || fields != 18 ? "expected 18 '|'-terminated fields, found " + fields
                    : f[0].isEmpty() || !f[0].chars().allMatch(Character::isDigit) ? "RXCUI is not a number: " + f[0]
                    : f[14].isBlank() ? "STR is empty" : null;
            if (problem != null) {
                if (pass == 0) sink.bad(file, n, problem);
                return;
            }
            if (!"RXNORM".equals(f[11]) || !"N".equals(f[16]) || !TerminologyFiles.inPass(f[0], pass, passes)) return;
            concepts.computeIfAbsent(f[0], k -> new ArrayList<>(2)).add(new Atom(f[12], f[14]));
        });
    }

    private static ConceptRow row(String rxcui, List<Atom> atoms) {
        Atom name = atoms.stream().min(Comparator.comparingInt(Atom::rank)).orElseThrow();
        return new ConceptRow(SYSTEM, rxcui, name.str(),
                TerminologyFiles.synonyms(name.str(), atoms.stream().map(Atom::str).toList()), true, null, name.tty());
    }
}
