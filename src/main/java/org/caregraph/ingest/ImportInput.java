package org.caregraph.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A file to import, with the name reports use for it. Directories expand to their FHIR files, recursively, sorted. */
public record ImportInput(Path path, String name) {
    private static final List<String> SUFFIXES = List.of(".json", ".ndjson", ".jsonl", ".json.gz", ".ndjson.gz", ".jsonl.gz");

    public static List<ImportInput> expand(Path path, String name) {
        if (!Files.isDirectory(path)) return List.of(new ImportInput(path, name));
        List<ImportInput> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(path)) {
            files.filter(Files::isRegularFile)
                    .filter(ImportInput::isFhirFile)
                    .sorted()
                    .forEach(f -> out.add(new ImportInput(f, name + "/" + path.relativize(f))));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + name, e);
        }
        return out;
    }

    static boolean isFhirFile(Path f) {
        String n = f.getFileName().toString().toLowerCase();
        return !n.startsWith(".") && SUFFIXES.stream().anyMatch(n::endsWith);
    }
}
