package org.caregraph.audit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The audit directory's files: the log itself, {@code audit-00000001.log}, {@code audit-00000002.log}, … (a new file
 * when one reaches its size limit; the chain runs on across them), and {@code audit.head}, the anchor of the log's
 * end: the sequence number and hash of the last record made durable, rewritten after every flush. A log that ends
 * before its head says it does lost records from its end.
 */
final class AuditFiles {
    static final String HEAD = "audit.head";
    static final String LOCK = "audit.lock";
    private static final Pattern NAME = Pattern.compile("audit-(\\d{8})\\.log");

    private AuditFiles() {
    }

    static Path file(Path dir, int number) {
        return dir.resolve(String.format("audit-%08d.log", number));
    }

    static int number(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        if (!m.matches()) throw new IllegalArgumentException("not an audit log file: " + file.getFileName());
        return Integer.parseInt(m.group(1));
    }

    /** The log's files in order (none for a new log). */
    static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> NAME.matcher(f.getFileName().toString()).matches())
                    .sorted(Comparator.comparingInt(AuditFiles::number)).toList();
        }
    }

    /** The end of the log as last anchored. */
    record Head(long seq, String hash) {
        /** Fixed width, so that rewriting it in place never leaves a longer old value behind. */
        byte[] bytes() {
            return String.format("%020d\t%s\n", seq, hash).getBytes(StandardCharsets.US_ASCII);
        }
    }

    static Optional<Head> readHead(Path dir) throws IOException {
        Path head = dir.resolve(HEAD);
        if (!Files.exists(head)) return Optional.empty();
        String text = Files.readString(head, StandardCharsets.US_ASCII).strip();
        if (text.isEmpty()) return Optional.empty(); // created, never written: a crash at the log's very start
        String[] parts = text.split("\t");
        if (parts.length != 2 || !parts[0].matches("\\d{1,20}") || !parts[1].matches("[0-9a-f]{64}")) {
            throw new IOException(head + " is not a sequence number and a hash");
        }
        return Optional.of(new Head(Long.parseLong(parts[0]), parts[1]));
    }

    /** One line of a log file: its number (from 1), where it starts, its text, and whether a line break ends it. */
    record RawLine(int number, long offset, int length, String text, boolean complete) {
    }

    interface LineVisitor {
        void line(RawLine line) throws IOException;
    }

    /** Every line of {@code file} in order, the last one possibly incomplete (a write cut short). */
    static void forEachLine(Path file, LineVisitor visitor) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream(2048);
            long offset = 0;
            long start = 0;
            int number = 0;
            int b;
            while ((b = in.read()) >= 0) {
                offset++;
                if (b != '\n') {
                    line.write(b);
                    continue;
                }
                visitor.line(new RawLine(++number, start, (int) (offset - start), line.toString(StandardCharsets.UTF_8), true));
                line.reset();
                start = offset;
            }
            if (line.size() > 0) {
                visitor.line(new RawLine(++number, start, (int) (offset - start), line.toString(StandardCharsets.UTF_8), false));
            }
        }
    }
}
