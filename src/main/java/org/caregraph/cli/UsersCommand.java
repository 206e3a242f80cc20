package org.caregraph.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.caregraph.security.authz.Users;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The local users who sign in at the authorization server (kept in the graph): add, list, remove. */
@Command(name = "users", mixinStandardHelpOptions = true,
        description = "Local users of the built-in authorization server, each bound to a Practitioner or a Patient.",
        subcommands = {UsersCommand.Add.class, UsersCommand.ListUsers.class, UsersCommand.Remove.class})
public class UsersCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = {"Add a user. The password is asked for (twice) "
            + "on a terminal, else read as the first line of standard input; never given as an argument.",
            "Exit status: 0 added, 1 refused (the reason on stderr)."})
    static class Add extends Printing implements Callable<Integer> {
        java.io.InputStream in = System.in;

        @Mixin
        GraphOptions graph;

        @Option(names = "--name", required = true, description = "What the user signs in with.")
        String name;

        @Option(names = "--fhir-user", required = true, paramLabel = "Practitioner/ID|Patient/ID",
                description = "The FHIR resource the user is: its patients (a practitioner's linked patients, a patient's own "
                        + "record) are what its user/ scopes reach.")
        String fhirUser;

        @Option(names = "--scopes", required = true, description = "Its allowance, space-separated, e.g. 'user/*.rs "
                + "user/caregraph.analytics' (an app gets at most what both it and the user may have).")
        String scopes;

        @Option(names = "--replace", description = "Replace a user of this name (new password; its refresh tokens are revoked).")
        boolean replace;

        @Override
        public Integer call() throws Exception {
            char[] password = readPassword();
            if (password == null) return 1;
            return graph.withBean(Users.class, users -> run(users, password));
        }

        int run(Users users, char[] password) {
            try {
                if (!users.add(name, password, fhirUser, Arrays.stream(scopes.split("\\s+")).filter(s -> !s.isEmpty()).toList(), replace)) {
                    err.println("caregraph users add: a user " + name + " exists (--replace replaces it)");
                    return 1;
                }
            } catch (IllegalArgumentException e) {
                err.println("caregraph users add: " + e.getMessage());
                return 1;
            } finally {
                Arrays.fill(password, '\0');
            }
            out.println("Added user " + name + " as " + fhirUser + ", scopes: " + scopes);
            return 0;
        }

        /** From the terminal (asked twice, not echoed), else the first line of standard input; null (said why) if none. */
        char[] readPassword() throws IOException {
            Console console = System.console();
            if (console != null && console.isTerminal()) {
                char[] first = console.readPassword("Password for the new user: ");
                char[] second = console.readPassword("Again: ");
                if (first == null || !Arrays.equals(first, second)) {
                    err.println("caregraph users add: the two passwords differ");
                    return null;
                }
                return first;
            }
            String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) {
                err.println("caregraph users add: no password given (type it, or pipe it on standard input)");
                return null;
            }
            return line.toCharArray();
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The local users (never their passwords).")
    static class ListUsers extends Printing implements Callable<Integer> {
        @Mixin
        GraphOptions graph;

        @Override
        public Integer call() throws Exception {
            return graph.withBean(Users.class, this::run);
        }

        int run(Users users) {
            for (Users.LocalUser u : users.list()) out.println(u.name() + "  " + u.fhirUser() + "  scopes: " + String.join(" ", u.scopes()));
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = {"Remove a user; its refresh tokens are revoked.",
            "Exit status: 0 removed, 1 no such user."})
    static class Remove extends Printing implements Callable<Integer> {
        @Mixin
        GraphOptions graph;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            return graph.withBean(Users.class, this::run);
        }

        int run(Users users) {
            if (!users.remove(name)) {
                err.println("caregraph users remove: no user " + name);
                return 1;
            }
            out.println("Removed user " + name + " (its refresh tokens are revoked)");
            return 0;
        }
    }
}
