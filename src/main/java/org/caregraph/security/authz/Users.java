package org.caregraph.security.authz;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.GraphWriter;
import org.caregraph.security.AccessContext;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * The local users who sign in at the authorize endpoint: {@code (:User)} nodes (cypher/security/user-*.cypher) with a
 * password hash (Spring Security's delegating encoder: bcrypt, its id in the hash so that a later default can
 * upgrade), the FHIR resource the user is ({@code fhirUser}: Practitioner/X or Patient/Y, which decides the patients
 * its user/ scopes reach) and its allowance of scopes. Spring Security's form login checks passwords through
 * {@link #loadUserByUsername}.
 */
@Component
public class Users implements UserDetailsService {
    private static final AccessContext AUTH = AccessContext.service("auth");
    /** The one encoder for user passwords and client secrets. */
    public static final PasswordEncoder PASSWORDS = PasswordEncoderFactories.createDelegatingPasswordEncoder();
    static final int MIN_PASSWORD = 12;

    private final GraphReader reader;
    private final GraphWriter writer;

    public Users(GraphReader reader, GraphWriter writer) {
        this.reader = reader;
        this.writer = writer;
    }

    /**
     * A local user.
     *
     * @param name         what the user signs in with
     * @param passwordHash the encoded password
     * @param fhirUser     Practitioner/X or Patient/Y
     * @param scopes       the user's allowance
     */
    public record LocalUser(String name, String passwordHash, String fhirUser, List<String> scopes) {
        public LocalUser {
            scopes = scopes == null ? List.of() : List.copyOf(scopes);
        }

        /** Whether the user is a patient (its own record is the one patient it reaches). */
        public boolean patient() {
            return fhirUser.startsWith("Patient/");
        }

        @SuppressWarnings("unchecked")
        static LocalUser of(Map<String, Object> p) {
            return new LocalUser((String) p.get("name"), (String) p.get("passwordHash"), (String) p.get("fhirUser"),
                    (List<String>) p.get("scopes"));
        }
    }

    public Optional<LocalUser> find(String name) {
        return read(name).stream().findFirst();
    }

    public List<LocalUser> list() {
        return read(null);
    }

    private List<LocalUser> read(String name) {
        Map<String, Object> p = new HashMap<>();
        p.put("name", name);
        return reader.list(AUTH, "security/users", p, r -> LocalUser.of(r.get("user").asMap()));
    }

    /**
     * Adds a user with {@code password} (hashed here; never stored as given); false when the name is taken and
     * {@code replace} is false. Replacing a user revokes its refresh grants.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public boolean add(String name, char[] password, String fhirUser, List<String> scopes, boolean replace) {
        if (name == null || !name.matches("[A-Za-z0-9._@-]{1,64}")) {
            throw new IllegalArgumentException("a user name is 1 to 64 letters, digits, '.', '_', '@' or '-'");
        }
        if (fhirUser == null || !fhirUser.matches("(Practitioner|Patient)/[A-Za-z0-9.-]{1,64}")) {
            throw new IllegalArgumentException("a user is a Practitioner or a Patient: --fhir-user Practitioner/<id> or Patient/<id>");
        }
        if (password == null || password.length < MIN_PASSWORD) {
            throw new IllegalArgumentException("a password has at least " + MIN_PASSWORD + " characters");
        }
        if (scopes == null || scopes.isEmpty()) throw new IllegalArgumentException("a user needs the scopes it may be granted");
        for (String s : scopes) {
            ScopeNegotiation.requireKnown(s);
            if (s.startsWith("system/")) throw new IllegalArgumentException("system/ scopes are for backend clients, not users: " + s);
        }
        Map<String, Object> user = new HashMap<>();
        user.put("name", name);
        user.put("passwordHash", PASSWORDS.encode(java.nio.CharBuffer.wrap(password)));
        user.put("fhirUser", fhirUser);
        user.put("scopes", scopes);
        user.put("updated", System.currentTimeMillis());
        return !writer.writeAuthorization(AUTH, "security/user-save", Map.of("user", user, "replace", replace)).isEmpty();
    }

    /** Removes a user and revokes its refresh grants; false when there was none. */
    public boolean remove(String name) {
        return !writer.writeAuthorization(AUTH, "security/user-remove", Map.of("name", name)).isEmpty();
    }

    @Override
    public UserDetails loadUserByUsername(String username) {
        LocalUser u = find(username).orElseThrow(() -> new UsernameNotFoundException("no such user"));
        return User.withUsername(u.name()).password(u.passwordHash()).authorities("ROLE_USER").build();
    }
}
