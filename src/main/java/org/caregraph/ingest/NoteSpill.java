package org.caregraph.ingest;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.caregraph.graph.ResourceRecord;

/**
 * The notes of an import, mapped but not yet analyzed, set aside in a temporary file so that memory stays flat
 * whatever the input's size: they are analyzed and written once, after everything else (see {@link Importer}).
 * Written by one thread, then read once; the file is deleted on close.
 */
final class NoteSpill implements AutoCloseable {
    /** A set-aside note with where it was read, for the error report. */
    record Entry(String file, long line, ResourceRecord record) {
    }

    // the stream's back-reference table would keep every record reachable: reset it this often
    private static final int RESET_EVERY = 64;

    private final Path file;
    private ObjectOutputStream out;
    private long count;
    // the notes' own codings (their type, category...), each distinct key and display once, in the order met
    private final Map<String, ResourceRecord.Code> codes = new LinkedHashMap<>();

    NoteSpill() {
        try {
            file = Files.createTempFile("caregraph-notes", ".bin");
            file.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary file for the import's notes", e);
        }
    }

    void add(String source, long line, ResourceRecord record) {
        for (ResourceRecord.Code c : record.codes()) codes.putIfAbsent(c.key() + "\n" + c.display(), c);
        try {
            if (out == null) out = new ObjectOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
            out.writeUTF(source);
            out.writeLong(line);
            out.writeObject(record);
            if (++count % RESET_EVERY == 0) out.reset();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set the import's notes aside in " + file, e);
        }
    }

    long size() {
        return count;
    }

    /** The codings of the notes set aside: their Concepts go in first, so the notes' analysis has them in its lexicon. */
    List<ResourceRecord.Code> codes() {
        return List.copyOf(codes.values());
    }

    /** Every entry, in the order added. */
    void forEach(Consumer<Entry> each) {
        if (count == 0) return;
        try {
            out.close();
            try (ObjectInputStream in = new ObjectInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
                for (long i = 0; i < count; i++) {
                    String source = in.readUTF();
                    long line = in.readLong();
                    each.accept(new Entry(source, line, (ResourceRecord) in.readObject()));
                }
            }
        } catch (EOFException e) {
            throw new IllegalStateException("the import's set-aside notes in " + file + " are truncated", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the import's set-aside notes in " + file, e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            if (out != null) out.close();
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
