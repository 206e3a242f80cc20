package org.caregraph.security.authz;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.GraphWriter;
import org.caregraph.security.AccessContext;
import org.springframework.stereotype.Component;

/**
 * The registered clients: {@code (:Client)} nodes written through the one writer and read through the one reader
 * (cypher/security/client-*.cypher), beside the built-in {@code caregraph-ui}, CareGraph's own web pages, which the
 * server registers itself: a public client whose redirect URI is {@code /ui/callback} on the origin the authorize
 * request reached (the pages are served wherever the server is), allowed {@code openid fhirUser user/*.rs
 * user/caregraph.analytics}. A registration is checked before it is stored: public keys only, RSA of 2048 bits or more
 * or EC P-384 (what RS384 and ES384 verify with), each with a kid; a JWKS URL over https (plain http on loopback only);
 * absolute redirect URIs without fragments.
 */
@Component
public class Clients {
    public static final String UI = "caregraph-ui";
    static final RegisteredClient UI_CLIENT = new RegisteredClient(UI, "CareGraph", null, null, List.of("/ui/callback"),
            List.of("openid", "fhirUser", "user/*.rs", "user/caregraph.analytics"), null, true);
    private static final AccessContext AUTH = AccessContext.service("auth");

    private final GraphReader reader;
    private final GraphWriter writer;

    public Clients(GraphReader reader, GraphWriter writer) {
        this.reader = reader;
        this.writer = writer;
    }

    public Optional<RegisteredClient> find(String id) {
        if (id == null) return Optional.empty();
        if (id.equals(UI)) return Optional.of(UI_CLIENT);
        return read(id).stream().findFirst();
    }

    /** Every client, the built-in one first. */
    public List<RegisteredClient> list() {
        List<RegisteredClient> all = new ArrayList<>(List.of(UI_CLIENT));
        all.addAll(read(null));
        return all;
    }

    private List<RegisteredClient> read(String id) {
        Map<String, Object> p = new HashMap<>();
        p.put("id", id);
        return reader.list(AUTH, "security/clients", p, r -> RegisteredClient.of(r.get("client").asMap()));
    }

    /**
     * Registers {@code client} after checking it; false when a client of that id exists and {@code replace} is false.
     *
     * @throws IllegalArgumentException naming what is wrong with the registration
     */
    public boolean add(RegisteredClient client, boolean replace) {
        RegisteredClient checked = check(client);
        return !writer.writeAuthorization(AUTH, "security/client-save",
                Map.of("client", checked.properties(System.currentTimeMillis()), "replace", replace)).isEmpty();
    }

    /** Removes a client and revokes its refresh grants; false when there was none. */
    public boolean remove(String id) {
        if (UI.equals(id)) throw new IllegalArgumentException(UI + " is built in: it cannot be removed");
        return !writer.writeAuthorization(AUTH, "security/client-remove", Map.of("id", id)).isEmpty();
    }

    static RegisteredClient check(RegisteredClient c) {
        if (c.id() == null || !c.id().matches("[A-Za-z0-9._~-]{1,128}")) {
            throw new IllegalArgumentException("a client id is 1 to 128 letters, digits, '.', '_', '~' or '-'");
        }
        if (c.id().equals(UI)) throw new IllegalArgumentException(UI + " is built in");
        int credentials = (c.jwks() != null ? 1 : 0) + (c.jwksUri() != null ? 1 : 0) + (c.secretHash() != null ? 1 : 0);
        if (credentials > 1) throw new IllegalArgumentException("a client has one kind of credential: a JWK set, a JWKS URL or a secret");
        if (c.isPublic() && !c.browserApp()) {
            throw new IllegalArgumentException("a public client needs a redirect URI (it can only use the authorization code flow)");
        }
        if (c.scopes().isEmpty()) throw new IllegalArgumentException("a client needs the scopes it may be granted");
        for (String s : c.scopes()) ScopeNegotiation.requireKnown(s);
        for (String uri : c.redirectUris()) redirectUri(uri);
        if (c.jwksUri() != null) jwksUri(c.jwksUri());
        String jwks = c.jwks() == null ? null : publicKeys(c.jwks()).toString();
        return new RegisteredClient(c.id(), c.name(), jwks, c.jwksUri(), c.redirectUris(), c.scopes(), c.secretHash(), false);
    }

    private static void redirectUri(String uri) {
        URI u = parse(uri, "redirect URI");
        if (u.getFragment() != null || u.getHost() == null || !("https".equals(u.getScheme()) || "http".equals(u.getScheme()))) {
            throw new IllegalArgumentException("a redirect URI is an absolute http(s) URL without a fragment: " + uri);
        }
    }

    private static void jwksUri(String uri) {
        URI u = parse(uri, "JWKS URL");
        boolean https = "https".equals(u.getScheme());
        if (u.getHost() == null || !(https || ("http".equals(u.getScheme()) && loopback(u.getHost())))) {
            throw new IllegalArgumentException("a JWKS URL is https (plain http only on loopback): " + uri);
        }
    }

    private static URI parse(String uri, String what) {
        try {
            return new URI(uri);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a " + what + ": " + uri);
        }
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * A client's JWK set checked and reduced to what is needed: each key public, for signing, of a kind RS384 or ES384
     * verifies, with a kid (its RFC 7638 thumbprint when it came without one).
     */
    static JWKSet publicKeys(String json) {
        JWKSet set;
        try {
            set = JWKSet.parse(json);
        } catch (ParseException e) {
            throw new IllegalArgumentException("not a JWK set: " + e.getMessage());
        }
        if (set.getKeys().isEmpty()) throw new IllegalArgumentException("the JWK set has no key");
        List<JWK> keys = new ArrayList<>();
        for (JWK k : set.getKeys()) {
            if (k.isPrivate()) {
                throw new IllegalArgumentException("the JWK set holds a private key: register the public key only (the "
                        + "private key never leaves the client)");
            }
            if (k.getKeyUse() != null && k.getKeyUse() != KeyUse.SIGNATURE) throw new IllegalArgumentException("key " + k.getKeyID() + " is not for signing");
            Algorithm alg = k.getAlgorithm();
            if (k instanceof RSAKey rsa) {
                if (rsa.size() < 2048) throw new IllegalArgumentException("RSA keys have 2048 bits or more");
                if (alg != null && !alg.equals(JWSAlgorithm.RS384)) throw new IllegalArgumentException("RSA keys sign with RS384, not " + alg);
            } else if (k instanceof ECKey ec) {
                if (!Curve.P_384.equals(ec.getCurve())) throw new IllegalArgumentException("EC keys are on curve P-384 (ES384)");
                if (alg != null && !alg.equals(JWSAlgorithm.ES384)) throw new IllegalArgumentException("EC keys sign with ES384, not " + alg);
            } else {
                throw new IllegalArgumentException("only RSA and EC keys are accepted, not " + k.getKeyType());
            }
            keys.add(k.getKeyID() != null ? k : withThumbprintKid(k));
        }
        return new JWKSet(keys);
    }

    private static JWK withThumbprintKid(JWK k) {
        try {
            String kid = k.computeThumbprint().toString();
            return k instanceof RSAKey rsa ? new RSAKey.Builder(rsa).keyID(kid).build() : new ECKey.Builder((ECKey) k).keyID(kid).build();
        } catch (JOSEException e) {
            throw new IllegalArgumentException("cannot compute the key's thumbprint: " + e.getMessage());
        }
    }
}
