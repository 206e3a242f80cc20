package org.caregraph.terminology;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The ICD-10-CM order file icd10cm_order_YYYY.txt (fixed width: order number 5, space, code 7, space, header flag 1,
 * space, short description 60, space, long description). Display is the long description, the short one a synonym.
 * Codes are written without their dot; FHIR writes them dotted (E119 is E11.9). IS_A follows the code structure: a
 * code's parent is the nearest shorter prefix that is itself in the file (E11.65 → E11.6 → E11; placeholder
 * positions such as T36.0X1 → T36.0 skip prefixes the file does not have). Categories (3 characters) are roots.
 */
final class Icd10CmReader implements TerminologyReader {
    private static final String SYSTEM = Terminology.ICD10CM.system();

    @Override
    public void read(Path path, TerminologySink sink) throws IOException {
        List<Path> files = TerminologyFiles.require(path, "icd10cm_order_.*\\.txt", "ICD-10-CM order file (icd10cm_order_*.txt)");
        // the codes alone (about 100,000 short strings): IS_A needs to know which prefixes exist
        List<String> codes = new ArrayList<>();
        Set<String> known = new HashSet<>();
        for (Path file : files) {
            TerminologyFiles.lines(file, (n, line) -> {
                String problem = problem(line);
                if (problem != null) {
                    sink.bad(file, n, problem);
                    return;
                }
                String code = line.substring(6, 13).strip();
                String shortName = line.substring(16, Math.min(76, line.length())).strip();
                String longName = line.length() > 77 ? line.substring(77).strip() : "";
                String display = longName.isEmpty() ? shortName : longName;
                sink.concept(new ConceptRow(SYSTEM, dotted(code), display, TerminologyFiles.synonyms(display, List.of(shortName)),
                        true, null, null));
                if (known.add(code)) codes.add(code);
            });
        }
        for (String code : codes) {
            for (String parent = code.substring(0, code.length() - 1); parent.length() >= 3; parent = parent.substring(0, parent.length() - 1)) {
                if (known.contains(parent)) {
                    sink.isA(dotted(code), dotted(parent));
                    break;
                }
            }
        }
    }

    private static String problem(String line) {
        if (line.length() < 17) return "line shorter than the fixed-width fields (" + line.length() + " characters)";
        if (!line.substring(0, 5).strip().chars().allMatch(Character::isDigit) || line.substring(0, 5).isBlank()) {
            return "order number is not a number: " + line.substring(0, 5);
        }
        String code = line.substring(6, 13).strip();
        if (code.length() < 3 || !code.chars().allMatch(Character::isLetterOrDigit)) return "not an ICD-10-CM code: " + code;
        if (line.charAt(14) != '0' && line.charAt(14) != '1') return "header flag is not 0 or 1: " + line.charAt(14);
        if (line.substring(16, Math.min(76, line.length())).isBlank()) return "short description is empty";
        return null;
    }

    /** E119 → E11.9 (the dot after the category). */
    static String dotted(String code) {
        return code.length() > 3 ? code.substring(0, 3) + "." + code.substring(3) : code;
    }
}
