package org.caregraph.audit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only, hash-chained audit log ({@link AuditChain}) in its own directory, outside the Neo4j store.
 * <p>
 * {@link #append} returns only once the record is on disk. Durability costs an fsync ({@link FileChannel#force}),
 * which takes milliseconds, so flushes are shared (group commit): a record is written to the file under a short lock
 * that fixes its place in the chain, then its request waits for a flush that covers it. Whoever finds no flush
 * running starts one for everything written so far; requests whose records arrive meanwhile wait for it to end and
 * one of them flushes all of theirs together. A lone request pays one flush; many concurrent ones share few.
 * <p>
 * A file reaching {@code maxFileSize} is closed (flushed first) and the chain continues in the next. After each flush
 * the end of the log is anchored in {@code audit.head}; at startup the last record must match its hash and reach the
 * anchor, else the log was altered and is not continued. A write that fails (a full disk) is cut back off the file,
 * so the log never holds half a record; a flush that fails leaves the file's state unknown, so the log refuses every
 * later append until restarted. One process at a time: the directory is locked.
 */
public final class AuditLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);

    private final Path dir;
    private final long maxFileSize;
    private final AuditIndex index = new AuditIndex();
    private final FileChannel lockFile;
    private final FileLock lock;
    private FileChannel head;
    private final Map<Integer, FileChannel> readers = new ConcurrentHashMap<>();

    /** Guards the writing state below: the place of each record in the file and the chain. */
    private final ReentrantLock appendLock = new ReentrantLock();
    private FileChannel channel;
    private int fileNumber;
    private long size;
    private long nextSeq;
    private String lastHash;
    /** a write could not be cut back off the file: nothing more may be appended after it */
    private boolean broken;
    /** the log's own file while a test redirects writes elsewhere */
    private FileChannel redirected;

    /** The last record written and the file it is in: what a flush started now covers. */
    private record Tail(FileChannel channel, long seq, String hash) {
    }

    private volatile Tail tail;

    /** Guards the flush state below; only one flush runs at a time (the one holding the token, {@code forcing}). */
    private final ReentrantLock forceLock = new ReentrantLock();
    private final Condition flushed = forceLock.newCondition();
    private boolean forcing;
    private long durableSeq;
    /** a flush failed: what the file holds is unknown, so nothing more is acknowledged */
    private volatile boolean flushFailed;
    /** flushes done: with the records appended, how well group commit shares them */
    private final java.util.concurrent.atomic.AtomicLong flushes = new java.util.concurrent.atomic.AtomicLong();
    /** time spent in those flushes: what durability costs on this disk */
    private final java.util.concurrent.atomic.AtomicLong flushNanos = new java.util.concurrent.atomic.AtomicLong();

    private AuditLog(Path dir, long maxFileSize) throws IOException {
        this.dir = dir;
        this.maxFileSize = maxFileSize;
        createPrivateDirectory(dir);
        lockFile = FileChannel.open(privateFile(dir.resolve(AuditFiles.LOCK)), StandardOpenOption.WRITE);
        FileLock held;
        try {
            held = lockFile.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException sameProcess) {
            held = null;
        }
        if (held == null) {
            lockFile.close();
            throw new IllegalStateException("the audit log in " + dir + " is in use by another CareGraph process");
        }
        lock = held;
    }

    /**
     * Opens the log in {@code dir} (created, 0700, if missing), checks its end and indexes it.
     *
     * @throws IllegalStateException when its last record was altered or records were removed from its end
     */
    public static AuditLog open(Path dir, long maxFileSize) throws IOException {
        AuditLog audit = new AuditLog(dir, maxFileSize);
        try {
            audit.load();
            return audit;
        } catch (IOException | RuntimeException e) {
            audit.close();
            throw e;
        }
    }

    /** Indexes every record, checks the tail against its hash and the head anchor, and continues after it. */
    private void load() throws IOException {
        List<Path> files = AuditFiles.list(dir);
        Optional<AuditFiles.Head> anchored = AuditFiles.readHead(dir);
        AuditChain.Line last = null;
        String lastAt = null;
        for (Path file : files) {
            int number = AuditFiles.number(file);
            boolean lastFile = file.equals(files.getLast());
            long[] cut = {-1};
            AuditChain.Line[] lastOfFile = {null};
            AuditFiles.forEachLine(file, raw -> {
                if (!raw.complete()) {
                    // a record whose write was cut short by a crash: never acknowledged, so its request got no data
                    if (!lastFile) throw new IllegalStateException("the audit log " + file + " ends in an incomplete record; run caregraph audit verify");
                    cut[0] = raw.offset();
                    return;
                }
                try {
                    AuditChain.Line line = AuditChain.parse(raw.text());
                    index.add(AuditIndex.entry(line, number, raw.offset(), raw.length()));
                    lastOfFile[0] = line;
                } catch (RuntimeException malformed) {
                    // not servable; caregraph audit verify names it (never logged: a record holds PHI)
                    log.warn("audit log {} line {} is not a valid record; run caregraph audit verify", file.getFileName(), raw.number());
                    lastOfFile[0] = null;
                }
            });
            if (cut[0] >= 0) {
                log.warn("audit log {}: discarding an incomplete last record (a write cut short by a crash)", file.getFileName());
                try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    c.truncate(cut[0]);
                    c.force(true);
                }
            }
            if (lastOfFile[0] != null || Files.size(file) > 0) {
                last = lastOfFile[0];
                lastAt = file.getFileName().toString();
                if (last == null) throw new IllegalStateException("the last record of the audit log (" + lastAt + ") is not valid; run caregraph audit verify");
            }
        }
        if (last != null && !last.intact()) {
            throw new IllegalStateException("the last audit record (#" + last.seq() + " in " + lastAt + ") does not match its hash: "
                    + "the log was altered; run caregraph audit verify, and move the directory aside to start a new log");
        }
        long lastSeq = last == null ? 0 : last.seq();
        if (anchored.isPresent() && anchored.get().seq() > lastSeq) {
            throw new IllegalStateException("the audit log ends at #" + lastSeq + " but its head records #" + anchored.get().seq()
                    + ": records were removed from its end; run caregraph audit verify");
        }
        head = FileChannel.open(privateFile(dir.resolve(AuditFiles.HEAD)), StandardOpenOption.WRITE);
        nextSeq = lastSeq + 1;
        lastHash = last == null ? AuditChain.GENESIS : last.hash();
        fileNumber = files.isEmpty() ? 1 : AuditFiles.number(files.getLast());
        channel = openLogFile(fileNumber);
        size = channel.size();
        channel.force(true);
        tail = new Tail(channel, lastSeq, lastHash);
        durableSeq = lastSeq;
        writeHead(tail);
        head.force(true);
    }

    /** How many records the log holds. */
    public int size() {
        return index.size();
    }

    AuditIndex index() {
        return index;
    }

    /**
     * The last record written: its sequence number and chain hash (seq 0 and the genesis hash before the first). It
     * may not be flushed yet: its request is not answered before it is.
     */
    public Map.Entry<Long, String> last() {
        Tail t = tail;
        return Map.entry(t.seq(), t.hash());
    }

    /** How many flushes (fsyncs) appends have waited for since the log was opened. */
    public long flushes() {
        return flushes.get();
    }

    /** The time those flushes took, in nanoseconds. */
    public long flushNanos() {
        return flushNanos.get();
    }

    /**
     * Appends {@code event} (compact AuditEvent JSON) recorded at {@code time}, and returns once it is durable.
     *
     * @return its sequence number
     * @throws AuditUnavailableException when it could not be written or flushed
     */
    public long append(String event, Instant time) {
        long seq;
        appendLock.lock();
        try {
            if (broken || flushFailed) throw new AuditUnavailableException("the audit log refuses writes since an earlier failure", null);
            AuditChain.Line line = AuditChain.seal(nextSeq, lastHash, time.toString(), event);
            byte[] bytes = (line.text() + "\n").getBytes(StandardCharsets.UTF_8);
            if (size > 0 && size + bytes.length > maxFileSize) rotate();
            write(bytes);
            index.add(AuditIndex.entry(line, fileNumber, size, bytes.length));
            size += bytes.length;
            nextSeq++;
            lastHash = line.hash();
            seq = line.seq();
            tail = new Tail(channel, seq, lastHash);
        } catch (IOException | RuntimeException e) {
            throw e instanceof AuditUnavailableException u ? u : new AuditUnavailableException("the audit record could not be written", e);
        } finally {
            appendLock.unlock();
        }
        awaitDurable(seq);
        return seq;
    }

    /** Writes a record at the end of the current file; on failure cuts it back off, so no half record stays. */
    private void write(byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        try {
            while (buffer.hasRemaining()) channel.write(buffer, size + buffer.position());
        } catch (IOException e) {
            try {
                channel.truncate(size);
            } catch (IOException cannotCut) {
                broken = true;
                log.error("the audit log could not cut back a failed write; it refuses writes until restarted", cannotCut);
            }
            throw e;
        }
    }

    /** Waits until a flush covers record {@code seq}, starting one when none runs (see the class comment). */
    private void awaitDurable(long seq) {
        forceLock.lock();
        try {
            while (durableSeq < seq) {
                if (flushFailed) throw new AuditUnavailableException("the audit log could not be flushed", null);
                if (forcing) {
                    flushed.awaitUninterruptibly();
                    continue;
                }
                forcing = true;
                Tail covered = tail;
                forceLock.unlock();
                IOException failure = null;
                try {
                    long started = System.nanoTime();
                    covered.channel().force(false);
                    flushNanos.addAndGet(System.nanoTime() - started);
                    flushes.incrementAndGet();
                    writeHead(covered);
                } catch (IOException e) {
                    failure = e;
                } finally {
                    forceLock.lock();
                    forcing = false;
                    if (failure == null) durableSeq = Math.max(durableSeq, covered.seq());
                    else flushFailed = true;
                    flushed.signalAll();
                }
                if (failure != null) {
                    log.error("the audit log could not be flushed; it refuses writes until restarted", failure);
                    throw new AuditUnavailableException("the audit log could not be flushed", failure);
                }
            }
        } finally {
            forceLock.unlock();
        }
    }

    /** The end of the log after a flush, anchored without a flush of its own: the anchor may lag, never lead. */
    private void writeHead(Tail t) throws IOException {
        head.write(ByteBuffer.wrap(new AuditFiles.Head(t.seq(), t.hash()).bytes()), 0);
    }

    /** Closes the current file, every record in it durable, and continues the chain in the next (under appendLock). */
    private void rotate() throws IOException {
        forceLock.lock();
        try {
            while (forcing) flushed.awaitUninterruptibly();
            channel.force(false);
            writeHead(tail);
            durableSeq = Math.max(durableSeq, tail.seq());
            flushed.signalAll();
        } catch (IOException e) {
            flushFailed = true;
            throw e;
        } finally {
            forceLock.unlock();
        }
        FileChannel next = openLogFile(fileNumber + 1);
        channel.close();
        channel = next;
        fileNumber++;
        size = 0;
    }

    private FileChannel openLogFile(int number) throws IOException {
        Path file = AuditFiles.file(dir, number);
        boolean created = !Files.exists(file);
        FileChannel c = FileChannel.open(privateFile(file), StandardOpenOption.READ, StandardOpenOption.WRITE);
        // a new file's name must survive a crash too
        if (created) try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
        return c;
    }

    /** The event JSON of the record {@code entry} indexes. */
    String read(AuditIndex.Entry entry) {
        try {
            FileChannel c = readers.computeIfAbsent(entry.file(), n -> {
                try {
                    return FileChannel.open(AuditFiles.file(dir, n), StandardOpenOption.READ);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            ByteBuffer buffer = ByteBuffer.allocate(entry.length());
            while (buffer.hasRemaining() && c.read(buffer, entry.offset() + buffer.position()) >= 0) {
                // positional reads: safe beside the writer and other readers
            }
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).stripTrailing();
            return AuditChain.parse(text).event();
        } catch (IOException e) {
            throw new AuditUnavailableException("the audit log could not be read", e);
        }
    }

    /**
     * Test hook: writes from now on go to {@code target} (e.g. {@code /dev/full}, whose writes fail like a full disk),
     * until {@link #restore()}.
     */
    void redirect(Path target) throws IOException {
        appendLock.lock();
        try {
            redirected = channel;
            channel = FileChannel.open(target, StandardOpenOption.WRITE);
        } finally {
            appendLock.unlock();
        }
    }

    /** Test hook: back to the log's own file after {@link #redirect}, its failures forgotten. */
    void restore() throws IOException {
        appendLock.lock();
        try {
            channel.close();
            channel = redirected;
            broken = false;
            flushFailed = false;
            tail = new Tail(channel, tail.seq(), tail.hash());
        } finally {
            appendLock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        appendLock.lock();
        try {
            if (channel != null && channel.isOpen()) {
                channel.force(false);
                channel.close();
            }
            for (FileChannel c : readers.values()) c.close();
            if (head != null && head.isOpen()) head.close();
        } finally {
            appendLock.unlock();
            if (lock != null && lock.isValid()) lock.release();
            lockFile.close();
        }
    }

    private static void createPrivateDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        Files.createDirectories(dir.toAbsolutePath().getParent());
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /** {@code file}, created 0600 if it does not exist (the log holds PHI: its owner alone reads it). */
    private static Path privateFile(Path file) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(Set.copyOf(PosixFilePermissions.fromString("rw-------"))));
        } catch (FileAlreadyExistsException exists) {
            // kept as it is
        }
        return file;
    }
}
