package org.caregraph.security.authz;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.net.URI;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.caregraph.security.ServerUrls;
import org.springframework.stereotype.Component;

/**
 * private_key_jwt client authentication (RFC 7523, SMART Backend Services): the client assertion is a JWT the client
 * signed with its registered key. Nimbus JOSE+JWT verifies the signature ({@link DefaultJWTProcessor} with the
 * client's JWK set, inline or fetched and cached from its jwks_uri) and the standard claims
 * ({@link DefaultJWTClaimsVerifier}: iss and sub the client_id, aud the token URL, exp, jti present, not expired).
 * What SMART asks beyond that is written here: RS384 or ES384 only (so alg none and HS* are refused before anything
 * else), a kid header naming one of the client's keys, a jku header only if it is the registered jwks_uri, an exp at
 * most five minutes ahead, and a jti used once ({@link ReplayCache}, consulted after the signature is verified so that
 * a forged assertion cannot burn a client's jti).
 */
@Component
class ClientAssertions {
    static final String TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS384, JWSAlgorithm.ES384);
    static final Duration MAX_AHEAD = Duration.ofMinutes(5);

    private final Clients clients;
    private final ServerUrls urls;
    private final ReplayCache replay;
    /** one cached, rate-limited source per jwks_uri: a kid it does not know makes it fetch again */
    private final Map<String, JWKSource<SecurityContext>> remote = new ConcurrentHashMap<>();

    ClientAssertions(Clients clients, ServerUrls urls, ReplayCache replay) {
        this.clients = clients;
        this.urls = urls;
        this.replay = replay;
    }

    /** The client {@code assertion} authenticates; invalid_client, saying why, when it does not. */
    RegisteredClient verify(String assertion) {
        SignedJWT jwt = signed(assertion);
        JWSHeader header = jwt.getHeader();
        if (!ALGORITHMS.contains(header.getAlgorithm())) {
            throw OAuthError.invalidClient("client assertions are signed with RS384 or ES384, not " + header.getAlgorithm());
        }
        if (header.getKeyID() == null) throw OAuthError.invalidClient("the client assertion's header has no kid");
        JWTClaimsSet unverified;
        try {
            unverified = jwt.getJWTClaimsSet(); // read before verification only to find whose keys verify it
        } catch (ParseException e) {
            throw OAuthError.invalidClient("the client assertion's claims are not valid JSON");
        }
        String id = unverified.getIssuer();
        if (id == null || !id.equals(unverified.getSubject())) {
            throw OAuthError.invalidClient("the client assertion's iss and sub must both be the client_id");
        }
        RegisteredClient client = clients.find(id).orElseThrow(() -> OAuthError.invalidClient("unknown client"));
        if (!client.authMethod().equals("private_key_jwt")) {
            throw OAuthError.invalidClient("the client is not registered for private_key_jwt");
        }
        URI jku = header.getJWKURL();
        if (jku != null && !jku.toString().equals(client.jwksUri())) {
            throw OAuthError.invalidClient("the assertion's jku header is not the client's registered JWKS URL");
        }
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys(client)));
        processor.setJWTClaimsSetVerifier(new AssertionClaimsVerifier(client.id(), urls.tokenUrl()));
        JWTClaimsSet claims;
        try {
            claims = processor.process(jwt, null);
        } catch (BadJWTException e) {
            throw OAuthError.invalidClient("client assertion refused: " + e.getMessage());
        } catch (BadJOSEException e) {
            throw OAuthError.invalidClient("client assertion refused: no registered key of the client with kid "
                    + header.getKeyID() + " verifies its signature");
        } catch (JOSEException e) {
            throw OAuthError.invalidClient("client assertion refused: its signature cannot be verified");
        }
        if (!replay.firstUse(client.id(), claims.getJWTID(), claims.getExpirationTime().toInstant())) {
            throw OAuthError.invalidClient("the client assertion's jti was used before: an assertion is good for one request");
        }
        return client;
    }

    private static SignedJWT signed(String assertion) {
        JWT parsed;
        try {
            parsed = JWTParser.parse(assertion);
        } catch (ParseException e) {
            throw OAuthError.invalidClient("the client assertion is not a JWT");
        }
        if (!(parsed instanceof SignedJWT jwt)) {
            throw OAuthError.invalidClient("the client assertion must be signed (alg none is refused)");
        }
        return jwt;
    }

    private JWKSource<SecurityContext> keys(RegisteredClient client) {
        if (client.jwks() != null) {
            try {
                return new ImmutableJWKSet<>(JWKSet.parse(client.jwks()));
            } catch (ParseException e) {
                throw OAuthError.invalidClient("the client's registered JWK set cannot be read");
            }
        }
        return remote.computeIfAbsent(client.jwksUri(), uri -> {
            try {
                // bounded: 3 s to connect or read, 256 kB at most
                return JWKSourceBuilder.create(URI.create(uri).toURL(), new DefaultResourceRetriever(3000, 3000, 256 * 1024))
                        .cache(Duration.ofMinutes(5).toMillis(), Duration.ofSeconds(15).toMillis())
                        .rateLimited(Duration.ofSeconds(10).toMillis())
                        .retrying(false)
                        .build();
            } catch (MalformedURLException e) {
                throw OAuthError.invalidClient("the client's registered JWKS URL is not a URL");
            }
        });
    }

    /** Nimbus' standard checks, and SMART's limit on how far ahead exp may be. */
    static final class AssertionClaimsVerifier extends DefaultJWTClaimsVerifier<SecurityContext> {
        AssertionClaimsVerifier(String clientId, String tokenUrl) {
            // mutable sets: Nimbus asks them whether they contain null, which Set.of() answers with an exception
            super(new HashSet<>(Set.of(tokenUrl)), new JWTClaimsSet.Builder().issuer(clientId).subject(clientId).build(),
                    new HashSet<>(Set.of("iss", "sub", "aud", "exp", "jti")), new HashSet<>());
            setMaxClockSkew((int) ReplayCache.SKEW.toSeconds());
        }

        @Override
        public void verify(JWTClaimsSet claims, SecurityContext context) throws BadJWTException {
            super.verify(claims, context);
            Instant exp = claims.getExpirationTime().toInstant();
            if (exp.isAfter(Instant.now().plus(MAX_AHEAD).plus(ReplayCache.SKEW))) {
                throw new BadJWTException("its exp is more than five minutes ahead");
            }
        }
    }
}
