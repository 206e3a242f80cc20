package org.caregraph.cli;

import com.nimbusds.jose.jwk.JWK;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.caregraph.security.SigningKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The authorization server's signing keys ({@code <data-dir>/security/signing-keys.json}): rotate, list. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "The keys CareGraph signs its tokens with (published at /.well-known/jwks.json).",
        subcommands = {KeysCommand.Rotate.class, KeysCommand.ListKeys.class})
public class KeysCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** Only the key file: a running server on the same data directory picks a rotation up within a second. */
    static class KeyOptions {
        @Option(names = "--data-dir", description = "Data directory (default: ./data, or CAREGRAPH_DATA_DIR).")
        Path dataDir;

        SigningKeys keys() {
            Path dir = dataDir != null ? dataDir : Path.of(System.getenv().getOrDefault("CAREGRAPH_DATA_DIR", "data"));
            return new SigningKeys(dir.resolve("security"));
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true, description = {"Make a new signing key. The keys it replaces "
            + "stay published while tokens they signed may be valid (--retain), then are dropped at a later rotation.",
            "A running server on the same data directory signs with the new key within a second."})
    static class Rotate implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        KeyOptions options = new KeyOptions();

        @Option(names = "--retain", defaultValue = "PT1H", description = "How long a replaced key stays published: at "
                + "least the longest token lifetime (default: ${DEFAULT-VALUE}; tokens live 15 min at most by default).")
        Duration retain;

        @Override
        public Integer call() {
            SigningKeys keys = options.keys();
            String old = keys.current().getKeyID();
            String now = keys.rotate(retain).getKeyID();
            System.out.println("Signing key rotated: " + old + " -> " + now + "; published keys: " + keys.publicKeys().getKeys().size());
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The published keys, the signing one first.")
    static class ListKeys implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        KeyOptions options = new KeyOptions();

        @Override
        public Integer call() {
            boolean first = true;
            for (JWK k : options.keys().publicKeys().getKeys()) {
                System.out.println(k.getKeyID() + "  created " + (k.getIssueTime() == null ? "?" : k.getIssueTime().toInstant())
                        + (first ? "  (signing)" : "  (published for tokens it signed)"));
                first = false;
            }
            return 0;
        }
    }
}
