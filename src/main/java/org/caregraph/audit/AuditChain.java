package org.caregraph.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The audit log's record format, shared by the writer and the verifier. One record per line, five tab-separated
 * fields: the sequence number (from 1, without gaps, continuing across files), the SHA-256 of the previous record
 * (the first record chains to {@link #GENESIS}), the time it was recorded (ISO-8601 UTC), the AuditEvent as compact
 * JSON (which never holds a raw tab or line break: JSON escapes them), and the record's own SHA-256, taken over the
 * UTF-8 bytes of the first four fields joined by tabs. Editing a record breaks its own hash; deleting, inserting or
 * moving one breaks the sequence or the chain to its neighbour.
 */
public final class AuditChain {
    /** What the first record of a log chains to. */
    public static final String GENESIS = "0".repeat(64);
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

    private AuditChain() {
    }

    /** One record. */
    public record Line(long seq, String prev, String time, String event, String hash) {
        /** What the hash covers. */
        String body() {
            return AuditChain.body(seq, prev, time, event);
        }

        /** The line as written, without its line break. */
        public String text() {
            return body() + "\t" + hash;
        }

        /** Whether the record's content still matches its hash. */
        public boolean intact() {
            return hash.equals(sha256(body()));
        }
    }

    /** A new record after the one whose hash is {@code prev}. */
    static Line seal(long seq, String prev, String time, String event) {
        if (event.indexOf('\t') >= 0 || event.indexOf('\n') >= 0 || event.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("an audit event must be compact JSON on one line");
        }
        return new Line(seq, prev, time, event, sha256(body(seq, prev, time, event)));
    }

    private static String body(long seq, String prev, String time, String event) {
        return seq + "\t" + prev + "\t" + time + "\t" + event;
    }

    /**
     * A line of the log as a record.
     *
     * @throws IllegalArgumentException when it is not five fields of the right form (the message says which)
     */
    public static Line parse(String text) {
        int first = text.indexOf('\t');
        int second = first < 0 ? -1 : text.indexOf('\t', first + 1);
        int third = second < 0 ? -1 : text.indexOf('\t', second + 1);
        int last = text.lastIndexOf('\t');
        if (third < 0 || last <= third) throw new IllegalArgumentException("not five tab-separated fields");
        long seq;
        try {
            seq = Long.parseLong(text.substring(0, first));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the sequence number is not a number");
        }
        String prev = text.substring(first + 1, second);
        String hash = text.substring(last + 1);
        if (!HASH.matcher(prev).matches() || !HASH.matcher(hash).matches()) {
            throw new IllegalArgumentException("a hash field is not 64 lower-case hex digits");
        }
        return new Line(seq, prev, text.substring(second + 1, third), text.substring(third + 1, last), hash);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
