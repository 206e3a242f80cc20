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
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.caregraph.graph.Neo4jProperties;
import org.springframework.stereotype.Component;

/**
 * The keys CareGraph's authorization server signs access tokens with: RSA key pairs kept in
 * {@code <data-dir>/security/signing-keys.json} (owner read/write only), created on first start. The first key signs;
 * the others are kept and published (JWKS) so tokens signed before a rotation stay valid until they expire.
 */
@Component
public class SigningKeys {
    static final String FILE = "signing-keys.json";

    private final Path file;
    private volatile JWKSet keys;

    @org.springframework.beans.factory.annotation.Autowired
    public SigningKeys(Neo4jProperties neo4j) {
        this(neo4j.dataDir().resolve("security"));
    }

    SigningKeys(Path dir) {
        this.file = dir.resolve(FILE);
    }

    /** The key set, read or created on first use (a CLI command that serves no HTTP never touches the file). */
    private JWKSet keys() {
        JWKSet k = keys;
        if (k != null) return k;
        synchronized (this) {
            if (keys != null) return keys;
            try {
                Files.createDirectories(file.getParent());
                if (Files.exists(file)) {
                    keys = JWKSet.parse(Files.readString(file));
                } else {
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
                    .keyID(UUID.randomUUID().toString()).issueTime(java.util.Date.from(Instant.now())).generate();
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
     * A new signing key; the newest {@code keep} older keys stay published for the tokens they signed, the rest are
     * dropped.
     */
    public synchronized RSAKey rotate(int keep) {
        List<JWK> next = new ArrayList<>();
        next.add(generate());
        List<JWK> old = keys().getKeys();
        next.addAll(old.subList(0, Math.min(keep, old.size())));
        keys = new JWKSet(next);
        save();
        return current();
    }

    private void save() {
        try {
            Path tmp = Files.createTempFile(file.getParent(), FILE, ".tmp");
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            Files.writeString(tmp, keys.toString(false));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
