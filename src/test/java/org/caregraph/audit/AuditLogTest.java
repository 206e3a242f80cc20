package org.caregraph.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.caregraph.cli.CareGraphCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The log on its own, on real files with real fsyncs: the chain across reopenings and rotated files, group commit under
 * concurrent appends, a failing disk, and {@code caregraph audit verify} (through the real command) on an intact log
 * and on each kind of tampering — a record edited, deleted, inserted, two reordered, the tail cut, a file removed.
 */
class AuditLogTest {
    @TempDir Path tmp;

    private static String event(int i) {
        return "{\"resourceType\":\"AuditEvent\",\"action\":\"R\",\"outcome\":\"0\",\"subtype\":[{\"code\":\"read\"}],"
                + "\"agent\":[{\"who\":{\"identifier\":{\"value\":\"client-" + (i % 3) + "\"}}}],"
                + "\"entity\":[{\"what\":{\"reference\":\"Patient/p" + i + "\"}}]}";
    }

    /** A closed log of {@code n} records in a new directory; {@code maxFileSize} small to spread it over files. */
    private Path log(String name, int n, long maxFileSize) throws IOException {
        Path dir = tmp.resolve(name);
        try (AuditLog log = AuditLog.open(dir, maxFileSize)) {
            for (int i = 1; i <= n; i++) assertThat(log.append(event(i), Instant.now())).isEqualTo(i);
        }
        return dir;
    }

    private static List<String> lines(Path file) throws IOException {
        return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    private static void write(Path file, List<String> lines) throws IOException {
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    }

    /** {@code caregraph audit verify --dir DIR}: exit status and what it printed. */
    private record Run(int exit, String out) {
    }

    private static Run verify(Path dir) {
        PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int exit = new CommandLine(new CareGraphCommand()).execute("audit", "verify", "--dir", dir.toString());
            return new Run(exit, out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(stdout);
        }
    }

    private static void assertDamaged(Path dir, String... expected) {
        Run run = verify(dir);
        assertThat(run.exit()).as(run.out()).isEqualTo(1);
        assertThat(run.out()).contains("DAMAGED").contains(expected);
    }

    @Test
    void chainsRecordsAcrossReopeningAndRotatedFiles() throws IOException {
        Path dir = log("log", 30, 2_000); // ~400 bytes a record: several files
        assertThat(AuditFiles.list(dir)).hasSizeGreaterThan(3);
        try (AuditLog log = AuditLog.open(dir, 2_000)) {
            assertThat(log.size()).isEqualTo(30);
            assertThat(log.append(event(31), Instant.now())).as("the sequence continues").isEqualTo(31);
            assertThat(log.index().select("Patient/p7", e -> true)).extracting(AuditIndex.Entry::seq).containsExactly(7L);
            assertThat(log.read(log.index().get(12).orElseThrow())).isEqualTo(event(12));
        }
        Run run = verify(dir);
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out()).contains("intact: 31 records").contains(AuditVerifier.verify(dir).lastHash());
        List<String> first = lines(AuditFiles.file(dir, 1));
        assertThat(AuditChain.parse(first.getFirst()).prev()).as("the first record chains to the genesis value").isEqualTo(AuditChain.GENESIS);
        // the log holds PHI: its owner alone reads it
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(AuditFiles.file(dir, 1)))).isEqualTo("rw-------");
    }

    /** A log of 10 records whose lines {@code edit} changes; verify must name {@code expected}. */
    private void assertTamperingFound(String name, java.util.function.Consumer<List<String>> edit, String expected) throws IOException {
        Path dir = log(name, 10, 1 << 20);
        Path file = AuditFiles.file(dir, 1);
        List<String> lines = lines(file);
        edit.accept(lines);
        write(file, lines);
        assertDamaged(dir, expected);
    }

    @Test
    void verifyNamesAnEditedRecord() throws IOException {
        assertTamperingFound("edit", lines -> lines.set(2, lines.get(2).replace("Patient/p3", "Patient/p9")),
                "record #3 (audit-00000001.log:3) does not match its hash");
    }

    @Test
    void verifyNamesTheRecordAfterADeletedOne() throws IOException {
        assertTamperingFound("delete", lines -> lines.remove(3), "record #4 (audit-00000001.log:4) is numbered #5");
    }

    @Test
    void verifyFindsAnInsertedRecordEvenWhenItIsChainedProperly() throws IOException {
        assertTamperingFound("insert", lines -> {
            AuditChain.Line before = AuditChain.parse(lines.get(1));
            lines.add(2, AuditChain.seal(3, before.hash(), Instant.now().toString(), event(99)).text());
        }, "record #4 (audit-00000001.log:4) is numbered #3");
    }

    @Test
    void verifyFindsTwoReorderedRecords() throws IOException {
        assertTamperingFound("reorder", lines -> lines.set(4, lines.set(5, lines.get(4))),
                "record #5 (audit-00000001.log:5) is numbered #6");
    }

    @Test
    void verifyFindsATruncatedTail() throws IOException {
        assertTamperingFound("cut-records", lines -> lines.subList(8, 10).clear(), "the log ends at #8 but its head anchor records #10");

        Path inside = log("cut-inside", 10, 1 << 20);
        Path f = AuditFiles.file(inside, 1);
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 20));
        assertDamaged(inside, "record #10 (audit-00000001.log:10) is incomplete");

        Path headless = log("headless", 10, 1 << 20);
        Files.delete(headless.resolve(AuditFiles.HEAD));
        assertDamaged(headless, "head anchor audit.head is missing");
    }

    @Test
    void verifyFindsARemovedFile() throws IOException {
        Path dir = log("files", 30, 2_000);
        List<Path> files = AuditFiles.list(dir);
        Path second = files.get(1);
        long firstOfThird = AuditChain.parse(lines(files.get(2)).getFirst()).seq();
        long firstOfSecond = AuditChain.parse(lines(second).getFirst()).seq();
        Files.delete(second);
        assertDamaged(dir, "record #" + firstOfSecond + " (" + files.get(2).getFileName() + ":1) is numbered #" + firstOfThird);
    }

    @Test
    void openRefusesALogWhoseEndWasAltered() throws IOException {
        Path edited = log("tail-edited", 5, 1 << 20);
        Path file = AuditFiles.file(edited, 1);
        List<String> lines = lines(file);
        lines.set(4, lines.get(4).replace("Patient/p5", "Patient/p6"));
        write(file, lines);
        assertThatThrownBy(() -> AuditLog.open(edited, 1 << 20)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not match its hash");

        Path cut = log("tail-cut", 5, 1 << 20);
        Path f = AuditFiles.file(cut, 1);
        write(f, lines(f).subList(0, 3));
        assertThatThrownBy(() -> AuditLog.open(cut, 1 << 20)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ends at #3 but its head records #5");
    }

    @Test
    void openDiscardsARecordWhoseWriteACrashCutShort() throws IOException {
        Path dir = log("crash", 3, 1 << 20);
        Files.writeString(AuditFiles.file(dir, 1), "4\t" + "0".repeat(30), StandardOpenOption.APPEND);
        try (AuditLog log = AuditLog.open(dir, 1 << 20)) {
            assertThat(log.size()).isEqualTo(3);
            assertThat(log.append(event(4), Instant.now())).isEqualTo(4);
        }
        assertThat(verify(dir).exit()).isZero();
    }

    @Test
    void oneProcessAtATime() throws IOException {
        Path dir = tmp.resolve("locked");
        try (AuditLog log = AuditLog.open(dir, 1 << 20)) {
            assertThat(log.size()).isZero();
            assertThatThrownBy(() -> AuditLog.open(dir, 1 << 20)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in use by another CareGraph process");
        }
    }

    @Test
    void concurrentAppendsShareFlushes() throws Exception {
        Path dir = tmp.resolve("group");
        int threads = 8;
        int each = 60;
        Set<Long> seqs = ConcurrentHashMap.newKeySet();
        long flushes;
        try (AuditLog log = AuditLog.open(dir, 1 << 20)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t * each;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) seqs.add(log.append(event(base + i), Instant.now()));
                }));
            }
            for (Future<?> f : done) f.get();
            pool.shutdown();
            flushes = log.flushes();
        }
        assertThat(seqs).hasSize(threads * each).allMatch(s -> s >= 1 && s <= threads * each);
        // every append returned after a flush covering it, yet far fewer flushes ran than records were appended
        assertThat(flushes).isLessThan(threads * each * 3L / 4);
        assertThat(AuditVerifier.verify(dir).intact()).isTrue();
    }

    @Test
    void aFailedWriteLeavesNoHalfRecordAndTheChainContinues() throws IOException {
        Path dir = tmp.resolve("full");
        try (AuditLog log = AuditLog.open(dir, 1 << 20)) {
            log.append(event(1), Instant.now());
            log.redirect(Path.of("/dev/full")); // every write fails: no space left on device
            assertThatThrownBy(() -> log.append(event(2), Instant.now())).isInstanceOf(AuditUnavailableException.class);
            assertThatThrownBy(() -> log.append(event(3), Instant.now())).isInstanceOf(AuditUnavailableException.class);
            log.restore();
            assertThat(log.append(event(4), Instant.now())).as("the failed records took no number").isEqualTo(2);
        }
        AuditVerifier.Result r = AuditVerifier.verify(dir);
        assertThat(r.intact()).as(r.problem()).isTrue();
        assertThat(r.records()).isEqualTo(2);
    }
}
