package org.caregraph.terminology;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

/**
 * SNOMED CT RF2 snapshot: concepts from sct2_Description_Snapshot-en (active descriptions), their preferred term from
 * the en language refset (der2_cRefset_LanguageSnapshot-en; without it the FSN less its semantic tag), whether they
 * are active from sct2_Concept_Snapshot, and IS_A from the active inferred relationships (sct2_Relationship_Snapshot,
 * typeId 116680003). PATH is the description file alone or a release folder holding these files.
 * <p>
 * A concept's descriptions are spread over the file, so they are grouped in memory one slice of concept ids at a time
 * (the file is read once per slice); of the language refset only the ids of preferred descriptions are kept, as a
 * sorted long array.
 */
final class Rf2Reader implements TerminologyReader {
    static final String FSN = "900000000000003001";
    static final String SYNONYM = "900000000000013009";
    static final String PREFERRED = "900000000000548007";
    static final String IS_A = "116680003";
    // the dialect whose preferred term becomes the display when a release carries several
    static final List<String> DIALECTS = List.of("900000000000509007", "900000000000508004"); // US, GB English
    private static final Pattern SEMANTIC_TAG = Pattern.compile("^(.*\\S)\\s*\\(([^()]+)\\)\\s*$");
    private static final String SYSTEM = Terminology.SNOMED.system();

    private final long bytesPerPass;

    Rf2Reader(long bytesPerPass) {
        this.bytesPerPass = bytesPerPass;
    }

    /** The descriptions of one concept as they are read. */
    private static final class Terms {
        String fsn;
        String preferred;
        final List<String> synonyms = new ArrayList<>(4);
    }

    @Override
    public void read(Path path, TerminologySink sink) throws IOException {
        List<Path> descriptions = TerminologyFiles.require(path, "sct2_Description_Snapshot-en.*\\.txt",
                "SNOMED CT description snapshot (sct2_Description_Snapshot-en*.txt)");
        long[] preferred = preferredDescriptions(TerminologyFiles.find(path, "der2_cRefset_LanguageSnapshot-en.*\\.txt"), sink);
        List<Path> conceptFiles = TerminologyFiles.find(path, "sct2_Concept_Snapshot.*\\.txt");
        int passes = TerminologyFiles.passes(descriptions, bytesPerPass);
        for (int pass = 0; pass < passes; pass++) {
            Set<String> inactive = inactiveConcepts(conceptFiles, pass, passes, sink);
            Map<String, Terms> concepts = new LinkedHashMap<>();
            for (Path file : descriptions) readDescriptions(file, pass, passes, preferred, concepts, sink);
            for (Map.Entry<String, Terms> e : concepts.entrySet()) sink.concept(row(e.getKey(), e.getValue(), !inactive.contains(e.getKey())));
        }
        for (Path file : TerminologyFiles.find(path, "sct2_Relationship_Snapshot.*\\.txt")) {
            rows(file, 10, sink, f -> {
                if ("1".equals(f[2]) && IS_A.equals(f[7])) sink.isA(f[4], f[5]);
            }, 0, 4, 5, 7);
        }
    }

    private static ConceptRow row(String id, Terms t, boolean active) {
        String tag = null;
        String fsnTerm = t.fsn;
        if (t.fsn != null) {
            Matcher m = SEMANTIC_TAG.matcher(t.fsn);
            if (m.matches()) {
                fsnTerm = m.group(1);
                tag = m.group(2);
            }
        }
        String display = t.preferred != null ? t.preferred : fsnTerm != null ? fsnTerm : t.synonyms.getFirst();
        List<String> terms = new ArrayList<>(t.synonyms.size() + 1);
        terms.add(fsnTerm);
        terms.addAll(t.synonyms);
        return new ConceptRow(SYSTEM, id, display, TerminologyFiles.synonyms(display, terms), active, tag, null);
    }

    private static void readDescriptions(Path file, int pass, int passes, long[] preferred, Map<String, Terms> concepts,
                                         TerminologySink sink) throws IOException {
        rows(file, 9, pass == 0 ? sink : null, f -> {
            boolean term = FSN.equals(f[6]) || SYNONYM.equals(f[6]);
            if (!term || !"1".equals(f[2]) || !TerminologyFiles.inPass(f[4], pass, passes) || f[7].isBlank()) return;
            Terms t = concepts.computeIfAbsent(f[4], k -> new Terms());
            if (FSN.equals(f[6])) {
                t.fsn = f[7];
            } else {
                if (t.preferred == null && Arrays.binarySearch(preferred, Long.parseLong(f[0])) >= 0) t.preferred = f[7];
                else t.synonyms.add(f[7]);
            }
        }, 0, 4, 6);
    }

    private static Set<String> inactiveConcepts(List<Path> files, int pass, int passes, TerminologySink sink) throws IOException {
        Set<String> inactive = new HashSet<>();
        for (Path file : files) {
            rows(file, 5, pass == 0 ? sink : null, f -> {
                if ("0".equals(f[2]) && TerminologyFiles.inPass(f[0], pass, passes)) inactive.add(f[0]);
            }, 0);
        }
        return inactive;
    }

    /** Ids of the active preferred descriptions of the chosen dialect (US English, else GB English, else the first refset). */
    private static long[] preferredDescriptions(List<Path> files, TerminologySink sink) throws IOException {
        Map<String, LongStream.Builder> byRefset = new TreeMap<>();
        for (Path file : files) {
            rows(file, 7, sink, f -> {
                if ("1".equals(f[2]) && PREFERRED.equals(f[6])) {
                    byRefset.computeIfAbsent(f[4], k -> LongStream.builder()).add(Long.parseLong(f[5]));
                }
            }, 4, 5, 6);
        }
        if (byRefset.isEmpty()) return new long[0];
        String refset = DIALECTS.stream().filter(byRefset::containsKey).findFirst().orElse(byRefset.keySet().iterator().next());
        long[] ids = byRefset.get(refset).build().toArray();
        Arrays.sort(ids);
        return ids;
    }

    private interface RowHandler {
        void row(String[] fields);
    }

    /**
     * The data rows of an RF2 file (header skipped) with exactly {@code columns} fields, active 0 or 1 and SCTIDs in
     * the {@code ids} columns; other lines go to {@code bad} (null: already reported in an earlier pass).
     */
    private static void rows(Path file, int columns, TerminologySink bad, RowHandler handler, int... ids) throws IOException {
        TerminologyFiles.lines(file, (n, line) -> {
            if (n == 1 && line.startsWith("id\t")) return;
            String[] f = line.split("\t", -1);
            String problem = f.length != columns ? "expected " + columns + " tab-separated fields, found " + f.length
                    : !"0".equals(f[2]) && !"1".equals(f[2]) ? "active is not 0 or 1: " + f[2] : null;
            for (int i = 0; problem == null && i < ids.length; i++) {
                if (!sctid(f[ids[i]])) problem = "column " + (ids[i] + 1) + " is not an SCTID: " + f[ids[i]];
            }
            if (problem == null) handler.row(f);
            else if (bad != null) bad.bad(file, n, problem);
        });
    }

    /** SCTIDs are 6 to 18 digits. */
    private static boolean sctid(String s) {
        if (s.length() < 6 || s.length() > 18) return false;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }
}
