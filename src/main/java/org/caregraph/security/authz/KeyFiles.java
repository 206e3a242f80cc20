package org.caregraph.security.authz;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Client keys as files, for the CLI: a client's public keys to register (a JWK set, one JWK, or PEM public keys as
 * {@code openssl pkey -pubout} writes them) and a backend client's private key to sign its assertions with (a private
 * JWK, or a PKCS#8 PEM as {@code openssl genpkey} writes it). PEM is read with the JDK's key factories; a key read
 * from PEM gets its RFC 7638 thumbprint as kid.
 */
public final class KeyFiles {
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");

    private KeyFiles() {
    }

    /** The public keys in {@code file}, checked as a registration checks them. */
    public static JWKSet publicKeys(Path file) throws IOException {
        String text = Files.readString(file).strip();
        if (text.startsWith("{")) {
            String json = text.contains("\"keys\"") ? text : "{\"keys\":[" + text + "]}";
            return Clients.publicKeys(json);
        }
        List<JWK> keys = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            if (!m.group(1).equals("PUBLIC KEY")) {
                throw new IllegalArgumentException(file + " holds a " + m.group(1) + ": register the PUBLIC KEY only "
                        + "(openssl pkey -in private.pem -pubout -out public.pem)");
            }
            keys.add(jwk(publicKey(der(m.group(2)))));
        }
        if (keys.isEmpty()) throw new IllegalArgumentException(file + " is neither a JWK set nor a PEM public key");
        return Clients.publicKeys(new JWKSet(keys).toString());
    }

    /** What a backend client signs its assertions with. */
    public record SigningKey(JWSSigner signer, JWSAlgorithm algorithm, String kid) {
        /**
         * A client assertion (SMART Backend Services) of {@code clientId} for the token endpoint {@code tokenUrl}:
         * iss and sub the client, a fresh jti, valid for four minutes.
         */
        public String assertion(String clientId, String tokenUrl) {
            Instant now = Instant.now();
            JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(clientId).subject(clientId).audience(tokenUrl)
                    .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(4))))
                    .jwtID(UUID.randomUUID().toString()).build();
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(kid).type(JOSEObjectType.JWT).build(), claims);
            try {
                jwt.sign(signer);
            } catch (JOSEException e) {
                throw new IllegalStateException("cannot sign the client assertion: " + e.getMessage(), e);
            }
            return jwt.serialize();
        }
    }

    /**
     * The private key in {@code file}: a private JWK (its kid used unless {@code kid} is given) or a PKCS#8 PEM (an EC
     * PEM needs {@code kid}: the thumbprint needs the public half, which the PEM may not hold).
     */
    public static SigningKey privateKey(Path file, String kid) throws IOException {
        String text = Files.readString(file).strip();
        try {
            if (text.startsWith("{")) {
                JWK jwk = JWK.parse(text);
                if (!jwk.isPrivate()) throw new IllegalArgumentException(file + " holds no private key");
                String id = kid != null ? kid : jwk.getKeyID();
                if (jwk instanceof ECKey ec) return new SigningKey(new ECDSASigner(ec), JWSAlgorithm.ES384, id);
                return new SigningKey(new RSASSASigner(jwk.toRSAKey()), JWSAlgorithm.RS384, id);
            }
            Matcher m = PEM.matcher(text);
            if (!m.find() || !m.group(1).equals("PRIVATE KEY")) {
                throw new IllegalArgumentException(file + " is not a private JWK or a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----; "
                        + "openssl pkcs8 -topk8 -nocrypt converts other PEM)");
            }
            PrivateKey key = privateKey(der(m.group(2)));
            if (key instanceof RSAPrivateCrtKey rsa) {
                RSAPublicKey pub = (RSAPublicKey) KeyFactory.getInstance("RSA")
                        .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
                return new SigningKey(new RSASSASigner(rsa), JWSAlgorithm.RS384, kid != null ? kid : jwk(pub).getKeyID());
            }
            if (key instanceof RSAPrivateKey rsa) {
                if (kid == null) throw new IllegalArgumentException("give the key's kid (--kid): `caregraph clients list` shows it");
                return new SigningKey(new RSASSASigner(rsa), JWSAlgorithm.RS384, kid);
            }
            if (kid == null) throw new IllegalArgumentException("give the key's kid (--kid): `caregraph clients list` shows it");
            ECPrivateKey ec = (ECPrivateKey) key;
            return new SigningKey(new ECDSASigner(ec), JWSAlgorithm.ES384, kid);
        } catch (ParseException e) {
            throw new IllegalArgumentException(file + " is not a JWK: " + e.getMessage());
        } catch (JOSEException | GeneralSecurityException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
    }

    private static byte[] der(String base64) {
        return Base64.getMimeDecoder().decode(base64);
    }

    private static PublicKey publicKey(byte[] der) {
        for (String algorithm : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm's: try the next
            }
        }
        throw new IllegalArgumentException("not an RSA or EC public key");
    }

    private static PrivateKey privateKey(byte[] der) {
        for (String algorithm : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm's: try the next
            }
        }
        throw new IllegalArgumentException("not an RSA or EC private key");
    }

    private static JWK jwk(PublicKey key) {
        try {
            if (key instanceof RSAPublicKey rsa) {
                return new RSAKey.Builder(rsa).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.RS384).keyIDFromThumbprint().build();
            }
            ECPublicKey ec = (ECPublicKey) key;
            Curve curve = Curve.forECParameterSpec(ec.getParams());
            if (curve == null) throw new IllegalArgumentException("an EC key on a curve JOSE does not name");
            return new ECKey.Builder(curve, ec).keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.ES384).keyIDFromThumbprint().build();
        } catch (JOSEException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }
}
