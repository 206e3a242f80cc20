package org.caregraph.terminology;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Finding a format's files in a release folder and reading them line by line. */
final class TerminologyFiles {
    private TerminologyFiles() {
    }

    /** A line of a file with its 1-based number. */
    interface LineHandler {
        void line(long number, String line) throws IOException;
    }

    /**
     * The files named like {@code regex}: PATH itself when it is such a file, else those anywhere under the folder
     * PATH (release archives nest them: SNOMED's Snapshot/Terminology, LOINC's LoincTable), in name order.
     */
    static List<Path> find(Path path, String regex) throws IOException {
        Pattern name = Pattern.compile(regex);
        if (!Files.isDirectory(path)) {
            return name.matcher(path.getFileName().toString()).matches() ? List.of(path) : List.of();
        }
        try (Stream<Path> files = Files.find(path, 8, (p, a) -> a.isRegularFile() && name.matcher(p.getFileName().toString()).matches())) {
            return files.sorted().toList();
        }
    }

    /** The one file the format cannot do without. */
    static List<Path> require(Path path, String regex, String what) throws IOException {
        List<Path> found = find(path, regex);
        if (found.isEmpty()) throw new IllegalArgumentException("no " + what + " at " + path);
        return found;
    }

    /** Streams the lines of a UTF-8 file (a byte order mark dropped), numbered from 1. */
    static void lines(Path file, LineHandler handler) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            long n = 0;
            while ((line = in.readLine()) != null) {
                if (++n == 1 && line.startsWith("\uFEFF")) line = line.substring(1);
                handler.line(n, line);
            }
        }
    }

    /** How many slices of concepts keep each slice of {@code files} near {@code bytesPerPass}. */
    static int passes(List<Path> files, long bytesPerPass) throws IOException {
        long size = 0;
        for (Path f : files) size += Files.size(f);
        return (int) Math.max(1, Math.min(1024, (size + bytesPerPass - 1) / Math.max(1, bytesPerPass)));
    }

    /** Whether concept {@code id} belongs to slice {@code pass}. */
    static boolean inPass(String id, int pass, int passes) {
        return passes == 1 || Math.floorMod(id.hashCode(), passes) == pass;
    }

    /** Terms in order, each once, none equal to {@code display} or blank. */
    static List<String> synonyms(String display, Iterable<String> terms) {
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
        for (String t : terms) if (t != null && !t.isBlank() && !t.equals(display)) out.add(t);
        return List.copyOf(out);
    }
}
