package org.caregraph.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Checks a whole audit log, file by file and line by line ({@code caregraph audit verify}): every record well formed,
 * numbered one after the other from 1, chained to the one before it, matching its own hash; the log reaching the end
 * its head anchor records. The first record that fails is named by its sequence number and file:line.
 */
public final class AuditVerifier {
    private AuditVerifier() {
    }

    /**
     * The outcome: intact ({@code problem} null) with the number of records and the last hash, or the first damage.
     */
    public record Result(long records, String lastHash, int files, String problem) {
        public boolean intact() {
            return problem == null;
        }
    }

    /** The first damage found; an IOException so that it leaves the line visitor as it is. */
    private static final class Damage extends IOException {
        Damage(String message) {
            super(message);
        }
    }

    public static Result verify(Path dir) throws IOException {
        // the anchor first: a server appending meanwhile only moves the log past it
        Optional<AuditFiles.Head> head = AuditFiles.readHead(dir);
        List<Path> files = AuditFiles.list(dir);
        long[] expected = {1};
        String[] prev = {AuditChain.GENESIS};
        String[] anchorHash = {null};
        try {
            for (Path file : files) {
                String name = file.getFileName().toString();
                AuditFiles.forEachLine(file, raw -> check(raw, name, expected, prev, head, anchorHash));
            }
            long last = expected[0] - 1;
            if (head.isEmpty() && last > 0) {
                throw new Damage("the head anchor " + AuditFiles.HEAD + " is missing: the end of the log cannot be checked");
            }
            if (head.isPresent() && head.get().seq() > last) {
                throw new Damage("the log ends at #" + last + " but its head anchor records #" + head.get().seq()
                        + ": records were removed from its end");
            }
            if (head.isPresent() && head.get().seq() > 0 && !head.get().hash().equals(anchorHash[0])) {
                throw new Damage("record #" + head.get().seq() + " is not the one the head anchor records");
            }
            return new Result(last, prev[0], files.size(), null);
        } catch (Damage d) {
            return new Result(expected[0] - 1, prev[0], files.size(), d.getMessage());
        }
    }

    /** The last {@code n} well-formed records of the log in {@code dir}, oldest first ({@code caregraph audit tail}). */
    public static List<AuditChain.Line> last(Path dir, int n) throws IOException {
        java.util.ArrayDeque<AuditChain.Line> out = new java.util.ArrayDeque<>();
        List<Path> files = AuditFiles.list(dir);
        for (int i = files.size() - 1; i >= 0 && out.size() < n; i--) {
            java.util.ArrayDeque<AuditChain.Line> file = new java.util.ArrayDeque<>();
            AuditFiles.forEachLine(files.get(i), raw -> {
                if (!raw.complete()) return;
                try {
                    file.addLast(AuditChain.parse(raw.text()));
                } catch (IllegalArgumentException malformed) {
                    return; // verify names it
                }
                if (file.size() > n) file.removeFirst();
            });
            while (!file.isEmpty() && out.size() < n) out.addFirst(file.removeLast());
        }
        return List.copyOf(out);
    }

    private static void check(AuditFiles.RawLine raw, String file, long[] expected, String[] prev,
                              Optional<AuditFiles.Head> head, String[] anchorHash) throws IOException {
        String where = file + ":" + raw.number();
        String which = "record #" + expected[0] + " (" + where + ")";
        if (!raw.complete()) throw new Damage(which + " is incomplete: the log was cut inside a record");
        AuditChain.Line line;
        try {
            line = AuditChain.parse(raw.text());
        } catch (IllegalArgumentException e) {
            throw new Damage(which + " is not a valid record: " + e.getMessage());
        }
        if (line.seq() != expected[0]) {
            throw new Damage(which + " is numbered #" + line.seq() + ": a record was removed, inserted or moved");
        }
        if (!line.prev().equals(prev[0])) {
            throw new Damage(which + " does not chain to the record before it: a record was inserted, removed or moved");
        }
        if (!line.intact()) throw new Damage(which + " does not match its hash: it was edited");
        if (head.isPresent() && head.get().seq() == line.seq()) anchorHash[0] = line.hash();
        prev[0] = line.hash();
        expected[0]++;
    }
}
