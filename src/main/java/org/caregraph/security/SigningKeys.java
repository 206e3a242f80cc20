package org.caregraph.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.FileTime;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.caregraph.graph.Neo4jProperties;
import org.springframework.stereotype.Component;

/**
 * The keys CareGraph's authorization server signs access tokens with: RSA key pairs kept in
 * {@code <data-dir>/security/signing-keys.json} (owner read/write only), created on first start. The first key signs;
 * the others are kept and published (JWKS) so tokens signed before a rotation stay valid until they expire. A rotation
 * made by another process ({@code caregraph keys rotate} beside a running server) is picked up within a second: the
 * file is read again when it changes.
 */
@Component
public class SigningKeys {
    static final String FILE = "signing-keys.json";
    /** How often a running server looks whether another process rotated the keys. */
    private static final long RECHECK_NANOS = 1_000_000_000L;

    private final Path file;
    private volatile JWKSet keys;
    private volatile FileTime readAt;
    private volatile long checkedAt;

    @org.springframework.beans.factory.annotation.Autowired
    public SigningKeys(Neo4jProperties neo4j) {
        this(neo4j.dataDir().resolve("security"));
    }

    /** The keys kept in {@code dir} (the CLI's key commands work on the file without a server). */
    public SigningKeys(Path dir) {
        this.file = dir.resolve(FILE);
    }

    /** The key set, read or created on first use (a CLI command that serves no HTTP never touches the file). */
    private JWKSet keys() {
        JWKSet k = keys;
        if (k != null && System.nanoTime() - checkedAt < RECHECK_NANOS) return k;
        synchronized (this) {
            try {
                checkedAt = System.nanoTime();
                if (Files.exists(file)) {
                    FileTime modified = Files.getLastModifiedTime(file);
                    if (keys == null || !modified.equals(readAt)) {
                        keys = JWKSet.parse(Files.readString(file));
                        readAt = modified;
                    }
                } else if (keys == null) {
                    Files.createDirectories(file.getParent());
                    keys = new JWKSet(generate());
                    save();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read or create " + file, e);
            } catch (ParseException e) {
                throw new IllegalStateException(file + " is not a JWK set: " + e.getMessage(), e);
            }
            return keys;
        }
    }

    private static RSAKey generate() {
        try {
            return new RSAKeyGenerator(2048).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS256)
                    .keyID(UUID.randomUUID().toString()).issueTime(Date.from(Instant.now())).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate an RSA key", e);
        }
    }

    /** The key new tokens are signed with. */
    public RSAKey current() {
        return (RSAKey) keys().getKeys().getFirst();
    }

    /** Every key's public half: what the JWKS endpoint publishes and what our own tokens are verified against. */
    public JWKSet publicKeys() {
        return keys().toPublicJWKSet();
    }

    /**
     * A new signing key. The key it replaces and the older ones stay published while a token they signed may still be
     * valid: a key retired (replaced) less than {@code retention} ago is kept, the others are dropped. Tokens they
     * signed are refused from then on.
     */
    public synchronized RSAKey rotate(Duration retention) {
        Instant now = Instant.now();
        List<JWK> old = keys().getKeys();
        List<JWK> next = new ArrayList<>();
        next.add(generate());
        Instant retired = now; // the current key is retired now; each older one when its successor was made
        for (JWK k : old) {
            if (Duration.between(retired, now).compareTo(retention) < 0) next.add(k);
            retired = k.getIssueTime() != null ? k.getIssueTime().toInstant() : Instant.EPOCH;
        }
        keys = new JWKSet(next);
        save();
        return current();
    }

    private void save() {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), FILE, ".tmp");
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.writeString(tmp, keys.toString(false));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            readAt = Files.getLastModifiedTime(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
