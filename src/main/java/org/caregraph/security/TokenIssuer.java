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
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Signs CareGraph's own access tokens: short-lived JWTs (RFC 9068 {@code at+jwt}) carrying the SMART claims the
 * resource server turns into an {@link AccessContext}: {@code client_id}, {@code scope} (space-separated),
 * {@code patient} (the patient in context, a bare id as SMART launch context gives it), {@code fhirUser}, {@code jti}.
 */
@Component
public class TokenIssuer {
    private final SigningKeys keys;
    private final String issuer;

    public TokenIssuer(SigningKeys keys, @Value("${caregraph.security.issuer}") String issuer) {
        this.keys = keys;
        this.issuer = issuer;
    }

    /** The {@code iss} of our tokens, which the resource server requires of them. */
    public String issuer() {
        return issuer;
    }

    /** A signed access token; {@code user} (fhirUser) and {@code patient} may be null. */
    public Issued issue(String clientId, String user, String patient, List<String> scopes, Duration lifetime) {
        Instant now = Instant.now();
        String jti = UUID.randomUUID().toString();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(user != null ? user : clientId)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(jti)
                .claim("client_id", clientId)
                .claim("scope", String.join(" ", scopes));
        if (user != null) claims.claim("fhirUser", user);
        if (patient != null) claims.claim("patient", patient);
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(keys.current().getKeyID())
                    .type(new JOSEObjectType("at+jwt")).build(), claims.build());
            jwt.sign(new RSASSASigner(keys.current()));
            return new Issued(jwt.serialize(), jti, lifetime);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }

    /** A token as issued. */
    public record Issued(String token, String jti, Duration lifetime) {
    }
}
