package org.caregraph.cli;

import picocli.CommandLine.Command;

@Command(name = "caregraph", mixinStandardHelpOptions = true, version = "CareGraph 0.1.0",
        description = "Patient knowledge store: FHIR R4 on a Neo4j graph.",
        subcommands = {ServeCommand.class, ImportCommand.class, StatsCommand.class, BenchCommand.class, ApiBenchCommand.class, LoadBenchCommand.class,
                NlpCommand.class, TerminologyCommand.class, ReindexCommand.class, ClientsCommand.class, UsersCommand.class,
                KeysCommand.class, TokenCommand.class, AuditCommand.class, SqlCommand.class, SqlBenchCommand.class,
                BackupCommand.class, RestoreCommand.class, CheckCommand.class})
public class CareGraphCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }
}
