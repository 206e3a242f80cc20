package org.caregraph.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.caregraph.audit.AuditChain;
import org.caregraph.audit.AuditVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The audit log, offline (plain Java: no Spring, no database; safe beside a running server). */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "The tamper-evident audit log of PHI access (docs/audit.md).",
        subcommands = {AuditCommand.Verify.class, AuditCommand.Tail.class})
public class AuditCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** Where the log is: --dir, else CAREGRAPH_AUDIT_DIR, else the data directory's audit folder (as the server has it). */
    static class Location {
        @Option(names = "--dir", description = "The audit log's directory (default: CAREGRAPH_AUDIT_DIR, else <data-dir>/audit).")
        Path dir;

        @Option(names = "--data-dir", description = "The data directory (default: ./data, or CAREGRAPH_DATA_DIR).")
        Path dataDir;

        Path resolve() {
            if (dir != null) return dir;
            String env = System.getenv("CAREGRAPH_AUDIT_DIR");
            if (env != null && !env.isBlank()) return Path.of(env);
            if (dataDir != null) return dataDir.resolve("audit");
            String data = System.getenv("CAREGRAPH_DATA_DIR");
            return Path.of(data != null && !data.isBlank() ? data : "data").resolve("audit");
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Checks every record of the audit log: numbered in order, each chained to the one before by "
                    + "its SHA-256, each matching its own hash, the log reaching the end its head anchor records.",
                    "Exit status: 0 intact (prints the count and the last hash), 1 damaged (names the first bad record: "
                            + "its sequence number and file:line), 2 the log could not be read."})
    static class Verify implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Location location;

        @Override
        public Integer call() {
            Path dir = location.resolve();
            try {
                AuditVerifier.Result r = AuditVerifier.verify(dir);
                if (r.intact()) {
                    System.out.printf("audit log %s intact: %,d records in %d file(s); last hash %s%n", dir, r.records(), r.files(), r.lastHash());
                    return 0;
                }
                System.out.printf("audit log %s DAMAGED: %s%n(%,d records verified before it)%n", dir, r.problem(), r.records());
                return 1;
            } catch (java.io.IOException e) {
                System.err.println("caregraph audit verify: cannot read " + dir + ": " + e.getMessage());
                return 2;
            }
        }
    }

    @Command(name = "tail", mixinStandardHelpOptions = true,
            description = "Prints the last records: sequence number, time and the AuditEvent JSON, tab-separated. "
                    + "The events hold PHI (query text): the output is for the auditor's eyes.")
    static class Tail implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Location location;

        @Option(names = {"-n", "--records"}, defaultValue = "10", description = "How many records (default: ${DEFAULT-VALUE}).")
        int records;

        @Override
        public Integer call() {
            Path dir = location.resolve();
            try {
                for (AuditChain.Line line : AuditVerifier.last(dir, records)) {
                    System.out.println(line.seq() + "\t" + line.time() + "\t" + line.event());
                }
                return 0;
            } catch (java.io.IOException e) {
                System.err.println("caregraph audit tail: cannot read " + dir + ": " + e.getMessage());
                return 2;
            }
        }
    }
}
