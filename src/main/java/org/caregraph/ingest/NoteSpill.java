package org.caregraph.ingest;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.caregraph.graph.ResourceRecord;

/**
 * The notes of an import, mapped but not yet analyzed, set aside in a temporary file so that memory stays flat
 * whatever the input's size: they are analyzed and written once, after everything else (see {@link Importer}).
 * Written by one thread, then read once. The notes are PHI: the file is owner-only and its name is removed as soon as
 * it is open, so nothing is left in the temporary directory even when the process is killed (the open channel keeps
 * the data until it is closed).
 */
final class NoteSpill implements AutoCloseable {
    /** A set-aside note with where it was read, for the error report. */
    record Entry(String file, long line, ResourceRecord record) {
    }

    // the stream's back-reference table would keep every record reachable: reset it this often
    private static final int RESET_EVERY = 64;

    private final Path file;
    private final FileChannel channel;
    private final boolean unlinked;
    private ObjectOutputStream out;
    private long count;
    // the notes' own codings (their type, category...), each distinct key and display once, in the order met
    private final Map<String, ResourceRecord.Code> codes = new LinkedHashMap<>();

    NoteSpill() {
        try {
            file = Files.createTempFile("caregraph-notes", ".bin");
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary file for the import's notes", e);
        }
        unlinked = unlink(file);
    }

    void add(String source, long line, ResourceRecord record) {
        for (ResourceRecord.Code c : record.codes()) codes.putIfAbsent(c.key() + "\n" + c.display(), c);
        try {
            if (out == null) out = new ObjectOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16));
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
            out.flush();
            channel.position(0);
            // not closed here: closing it would close the channel, which close() does
            ObjectInputStream in = new ObjectInputStream(new BufferedInputStream(Channels.newInputStream(channel), 1 << 16));
            for (long i = 0; i < count; i++) {
                String source = in.readUTF();
                long line = in.readLong();
                each.accept(new Entry(source, line, (ResourceRecord) in.readObject()));
            }
        } catch (EOFException e) {
            throw new IllegalStateException("the import's set-aside notes in " + file + " are truncated", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the import's set-aside notes in " + file, e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Removes the file's name while it is open (POSIX); where that is refused (Windows) it is deleted on close. */
    private static boolean unlink(Path file) {
        try {
            Files.delete(file);
            return true;
        } catch (IOException e) {
            file.toFile().deleteOnExit();
            return false;
        }
    }

    /** Whether the spill's file can still be found by name (a test's question). */
    boolean visible() {
        return Files.exists(file);
    }

    @Override
    public void close() {
        try {
            channel.close();
            if (!unlinked) Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
