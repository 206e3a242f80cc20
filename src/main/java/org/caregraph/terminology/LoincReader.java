package org.caregraph.terminology;

import java.io.IOException;
import java.io.BufferedReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * LOINC: Loinc.csv (quoted CSV with a header row) gives one concept per LOINC_NUM with LONG_COMMON_NAME as display and
 * SHORTNAME, DisplayName and CONSUMER_NAME as synonyms; DEPRECATED terms are skipped, DISCOURAGED ones are loaded as
 * inactive. When PATH is the release folder and holds MultiAxialHierarchy.csv, its parts (LP codes, named by
 * CODE_TEXT) become concepts and IMMEDIATE_PARENT → CODE becomes IS_A.
 */
final class LoincReader implements TerminologyReader {
    private static final String SYSTEM = Terminology.LOINC.system();
    private static final CSVFormat CSV = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get();

    private interface RecordHandler {
        /** @return why the record cannot be read, or null */
        String record(CSVRecord r);
    }

    @Override
    public void read(Path path, TerminologySink sink) throws IOException {
        for (Path file : TerminologyFiles.require(path, "Loinc\\.csv", "LOINC table (Loinc.csv)")) {
            records(file, sink, List.of("LOINC_NUM", "LONG_COMMON_NAME"), r -> {
                String status = value(r, "STATUS");
                String display = value(r, "LONG_COMMON_NAME");
                if (value(r, "LOINC_NUM").isEmpty()) return "LOINC_NUM is empty";
                if ("DEPRECATED".equals(status)) return null;
                if (display.isEmpty()) return "LONG_COMMON_NAME is empty";
                sink.concept(new ConceptRow(SYSTEM, value(r, "LOINC_NUM"), display,
                        TerminologyFiles.synonyms(display, List.of(value(r, "SHORTNAME"), value(r, "DisplayName"), value(r, "CONSUMER_NAME"))),
                        !"DISCOURAGED".equals(status), null, null));
                return null;
            });
        }
        List<String> hierarchyColumns = List.of("IMMEDIATE_PARENT", "CODE", "CODE_TEXT");
        for (Path file : TerminologyFiles.find(path, "MultiAxialHierarchy\\.csv")) {
            // parts first, so that every edge finds both ends; a part appears once per path it is on
            Set<String> parts = new HashSet<>();
            records(file, sink, hierarchyColumns, r -> {
                String code = value(r, "CODE");
                if (code.isEmpty()) return "CODE is empty";
                if (code.startsWith("LP") && !value(r, "CODE_TEXT").isEmpty() && parts.add(code)) {
                    sink.concept(new ConceptRow(SYSTEM, code, value(r, "CODE_TEXT"), List.of(), true, null, "part"));
                }
                return null;
            });
            records(file, null, hierarchyColumns, r -> {
                if (!value(r, "CODE").isEmpty() && !value(r, "IMMEDIATE_PARENT").isEmpty()) sink.isA(value(r, "CODE"), value(r, "IMMEDIATE_PARENT"));
                return null;
            });
        }
    }

    private static String value(CSVRecord r, String column) {
        return r.isSet(column) ? r.get(column).strip() : "";
    }

    /**
     * The records of a CSV file that has the {@code columns}, streamed; a record with the wrong number of fields or
     * that the handler rejects goes to {@code bad} (null: reported already) with its line. A quote left open cannot be
     * recovered from: that ends the file, reported at the line where reading stopped.
     */
    private static void records(Path file, TerminologySink bad, List<String> columns, RecordHandler handler) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            in.mark(1);
            if (in.read() != '\uFEFF') in.reset(); // a byte order mark would become part of the first column's name
            CSVParser parser = CSV.parse(in);
            List<String> header = parser.getHeaderNames();
            if (!header.containsAll(columns)) throw new IllegalArgumentException(file + " lacks one of the columns " + columns);
            try {
                for (CSVRecord r : parser) {
                    String problem = !r.isConsistent() ? "expected " + header.size() + " fields, found " + r.size() : handler.record(r);
                    if (problem != null && bad != null) bad.bad(file, parser.getCurrentLineNumber(), problem);
                }
            } catch (UncheckedIOException e) {
                if (bad != null) bad.bad(file, parser.getCurrentLineNumber(), "unreadable CSV: " + e.getCause().getMessage());
            }
        }
    }
}
