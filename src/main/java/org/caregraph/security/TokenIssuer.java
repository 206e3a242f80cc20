package org.caregraph.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Signs CareGraph's own access tokens: short-lived JWTs (RFC 9068 {@code at+jwt}) carrying the SMART claims the
 * resource server turns into an {@link AccessContext}: {@code client_id}, {@code scope} (space-separated),
 * {@code patient} (the patient in context, a bare id as SMART launch context gives it), {@code fhirUser}, {@code jti};
 * and OpenID Connect id_tokens for apps that asked {@code openid fhirUser}. Both are signed with {@link SigningKeys}'
 * current key; their {@code iss} is the server's base URL ({@link ServerUrls}).
 */
@Component
public class TokenIssuer {
    private final SigningKeys keys;
    private final ServerUrls urls;

    public TokenIssuer(SigningKeys keys, ServerUrls urls) {
        this.keys = keys;
        this.urls = urls;
    }

    /** The {@code iss} of our tokens, which the resource server requires of them. */
    public String issuer() {
        return urls.issuer();
    }

    /** A signed access token; {@code user} (fhirUser, also its subject) and {@code patient} may be null. */
    public Issued issue(String clientId, String user, String patient, List<String> scopes, Duration lifetime) {
        return issue(clientId, user != null ? user : clientId, user, patient, scopes, lifetime);
    }

    /**
     * A signed access token of {@code subject} (a local user's name, or the client for a backend client);
     * {@code fhirUser} and {@code patient} may be null.
     */
    public Issued issue(String clientId, String subject, String fhirUser, String patient, List<String> scopes,
                        Duration lifetime) {
        Instant now = Instant.now();
        String jti = UUID.randomUUID().toString();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(issuer())
                .subject(subject)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(jti)
                .claim("client_id", clientId)
                .claim("scope", String.join(" ", scopes));
        if (fhirUser != null) claims.claim("fhirUser", fhirUser);
        if (patient != null) claims.claim("patient", patient);
        return new Issued(sign("at+jwt", claims.build()), jti, lifetime);
    }

    /**
     * An OpenID Connect id_token for {@code clientId} (its audience) about user {@code subject}, with SMART's
     * {@code fhirUser} claim as an absolute URL of the user's FHIR resource; {@code nonce} as the app sent it (may be null).
     */
    public String idToken(String clientId, String subject, String fhirUser, String nonce, Duration lifetime) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(issuer())
                .subject(subject)
                .audience(clientId)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .claim("auth_time", now.getEpochSecond());
        if (fhirUser != null) claims.claim("fhirUser", urls.fhirBase() + "/" + fhirUser);
        if (nonce != null) claims.claim("nonce", nonce);
        return sign("JWT", claims.build()); // typ JWT: never accepted where an access token (at+jwt) is required
    }

    private String sign(String type, JWTClaimsSet claims) {
        try {
            var key = keys.current();
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                    .type(new JOSEObjectType(type)).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }

    /** A token as issued. */
    public record Issued(String token, String jti, Duration lifetime) {
    }
}
