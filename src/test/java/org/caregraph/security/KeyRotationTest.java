package org.caregraph.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.caregraph.GraphTest;
import org.caregraph.cli.KeysCommand;
import org.caregraph.graph.Neo4jProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.oauth2.jwt.JwtException;
import picocli.CommandLine;

/**
 * Signing key rotation: `caregraph keys rotate` beside the running server (another process on the same key file, as
 * the CLI is) makes a new key that the server publishes and signs with within seconds, while tokens the old key
 * signed keep working; a key retired longer ago than the retention is dropped, and tokens it signed are refused.
 */
class KeyRotationTest extends GraphTest {
    @Autowired private Neo4jProperties neo4j;
    @TempDir Path dir;
    private final HttpClient http = HttpClient.newHttpClient();

    private int fhir(String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/fhir/Patient?_count=1"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private JWKSet published() throws Exception {
        return JWKSet.parse(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/.well-known/jwks.json")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void aRotationByTheCliIsPublishedAndUsedByTheRunningServerAndOldTokensStayValid() throws Exception {
        String before = token("rotation", null, null, List.of("system/Patient.rs"));
        String oldKid = SignedJWT.parse(before).getHeader().getKeyID();
        int exit = new CommandLine(new KeysCommand()).execute("rotate", "--data-dir", neo4j.dataDir().toString());
        assertThat(exit).isZero();
        Path file = neo4j.dataDir().resolve("security").resolve(SigningKeys.FILE);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

        String newKid = null;
        String after = null;
        Instant deadline = Instant.now().plusSeconds(10);
        while (Instant.now().isBefore(deadline)) {
            after = token("rotation", null, null, List.of("system/Patient.rs"));
            newKid = SignedJWT.parse(after).getHeader().getKeyID();
            if (!newKid.equals(oldKid)) break;
            Thread.sleep(200);
        }
        assertThat(newKid).as("the server signs with the rotated key").isNotEqualTo(oldKid);
        assertThat(published().getKeys()).extracting(k -> k.getKeyID()).contains(newKid, oldKid);
        assertThat(fhir(after)).isEqualTo(200);
        assertThat(fhir(before)).as("a token signed before the rotation").isEqualTo(200);
    }

    @Test
    void aKeyRetiredLongerAgoThanTheRetentionIsDroppedAndItsTokensRefused() throws Exception {
        SigningKeys keys = new SigningKeys(dir);
        RSAKey first = keys.current();
        String firstToken = sign(first);
        var decoder = SecurityConfig.ownDecoder(keys, "https://caregraph.example");
        assertThat(decoder.decode(firstToken).getSubject()).isEqualTo("someone");

        RSAKey second = keys.rotate(Duration.ofHours(1));
        assertThat(keys.publicKeys().getKeys()).extracting(k -> k.getKeyID()).containsExactly(second.getKeyID(), first.getKeyID());
        assertThat(decoder.decode(firstToken).getSubject()).as("kept while its tokens may live").isEqualTo("someone");
        assertThat(decoder.decode(sign(second)).getSubject()).isEqualTo("someone");

        RSAKey third = keys.rotate(Duration.ZERO);
        assertThat(keys.publicKeys().getKeys()).extracting(k -> k.getKeyID()).containsExactly(third.getKeyID());
        assertThatThrownBy(() -> decoder.decode(firstToken)).isInstanceOf(JwtException.class);
        // another instance on the same file (a restarted server) reads the same keys
        assertThat(new SigningKeys(dir).current().getKeyID()).isEqualTo(third.getKeyID());
    }

    /** An access token of issuer https://caregraph.example signed with {@code key}. */
    private static String sign(RSAKey key) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(new JOSEObjectType("at+jwt")).build(),
                new JWTClaimsSet.Builder().issuer("https://caregraph.example").subject("someone")
                        .expirationTime(Date.from(Instant.now().plusSeconds(300))).build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }
}
