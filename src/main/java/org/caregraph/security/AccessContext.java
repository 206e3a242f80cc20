package org.caregraph.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.caregraph.security.SmartScope.Action;
import org.caregraph.security.SmartScope.Context;

/**
 * Who is asking and what they may see: the one argument both doors ({@code GraphReader}, {@code GraphWriter}) require.
 * Built per request from a validated token (client, user, granted scopes, the patient in context, the patients a
 * practitioner is linked to), or for the server's own work ({@link #service}). The doors turn it into the
 * {@code $access} parameter every named query filters by ({@link #cypherParameter()}), check what leaves them against
 * it ({@link #mayRead}), and record the patients a request touched ({@link #touched()}) for the audit log.
 */
public final class AccessContext {
    /** How the caller was identified. */
    public enum Kind {
        /** a bearer token (our own authorization server's or a configured identity provider's) */
        TOKEN,
        /** the server's own work: CLI commands, the startup import, jobs a token started (confined as that token) */
        SERVICE,
        /** authentication switched off on loopback (caregraph.security.enabled=false): full access, loudly logged */
        OPEN
    }

    /**
     * What a caller may do with one resource type: the interactions allowed, the patients whose compartments bound it
     * (null: any), the category values a granular scope allows (null: any).
     */
    public record TypeRule(Set<Action> actions, Set<String> patients, Set<String> categories) {
    }

    private final Kind kind;
    private final String clientId;
    private final String user;
    private final String tokenId;
    private final String patient;
    private final List<String> scopes;
    private final Set<CareGraphScope> capabilities;
    /** per resource type, '*' for any other; absent type: nothing allowed */
    private final Map<String, TypeRule> rules;
    /** reads population aggregates: unconfined, but no resource content may leave the door */
    private final boolean aggregates;
    private final Set<String> touched;

    private AccessContext(Kind kind, String clientId, String user, String tokenId, String patient, List<String> scopes,
                          Set<CareGraphScope> capabilities, Map<String, TypeRule> rules) {
        this(kind, clientId, user, tokenId, patient, scopes, capabilities, rules, false, ConcurrentHashMap.newKeySet());
    }

    private AccessContext(Kind kind, String clientId, String user, String tokenId, String patient, List<String> scopes,
                          Set<CareGraphScope> capabilities, Map<String, TypeRule> rules, boolean aggregates,
                          Set<String> touched) {
        this.aggregates = aggregates;
        this.touched = touched;
        this.kind = kind;
        this.clientId = clientId;
        this.user = user;
        this.tokenId = tokenId;
        this.patient = patient;
        this.scopes = List.copyOf(scopes);
        this.capabilities = Set.copyOf(capabilities);
        this.rules = rules == null ? null : Map.copyOf(rules);
    }

    /** The server's own work (a CLI command, the startup import): everything, named for the audit log. */
    public static AccessContext service(String name) {
        return new AccessContext(Kind.SERVICE, name, null, null, null, List.of(), Set.of(CareGraphScope.values()), null);
    }

    /** Authentication switched off (loopback only, explicit setting): everything. */
    public static AccessContext open() {
        return new AccessContext(Kind.OPEN, "anonymous", null, null, null, List.of(), Set.of(CareGraphScope.values()), null);
    }

    /**
     * A token's context.
     *
     * @param clientId     the client the token was issued to
     * @param user         the fhirUser (Practitioner/X, Patient/Y) or the user's name; null for backend clients
     * @param tokenId      the token's jti
     * @param patient      the patient in context ({@code Patient/id}), from the token's patient claim; null without one
     * @param scopes       the granted scopes as written
     * @param userPatients the patients a user/ scope reaches (a practitioner's linked patients, a patient user's own
     *                     key); null: every patient (configured so, or no fhirUser confinement applies)
     */
    public static AccessContext token(String clientId, String user, String tokenId, String patient, List<String> scopes,
                                      Set<String> userPatients) {
        Set<CareGraphScope> capabilities = new LinkedHashSet<>();
        Map<String, TypeRule> rules = new HashMap<>();
        for (String s : scopes) {
            CareGraphScope.of(s).ifPresent(capabilities::add);
            SmartScope scope = SmartScope.parse(s).orElse(null);
            if (scope == null) continue;
            Set<String> patients = switch (scope.context()) {
                case SYSTEM -> null;
                case USER -> userPatients;
                case PATIENT -> patient == null ? Set.of() : Set.of(patient);
            };
            Set<String> categories = scope.query().isEmpty() ? null : categories(scope);
            if (categories != null && categories.isEmpty()) continue; // a granular query we cannot honour grants nothing
            rules.merge(scope.type(), new TypeRule(scope.actions(), patients, categories), AccessContext::union);
        }
        return new AccessContext(Kind.TOKEN, clientId, user, tokenId, patient, scopes, capabilities, rules);
    }

    /** Granular scopes filter by category only (what SMART 2.x names); other parameters grant nothing. */
    private static Set<String> categories(SmartScope scope) {
        if (scope.query().size() != 1 || !scope.query().containsKey("category")) return Set.of();
        return Set.copyOf(scope.query().get("category"));
    }

    /** Two scopes on one type: the wider of each restriction (null is wider than any set). */
    private static TypeRule union(TypeRule a, TypeRule b) {
        Set<Action> actions = new LinkedHashSet<>(a.actions());
        actions.addAll(b.actions());
        return new TypeRule(actions, wider(a.patients(), b.patients()), wider(a.categories(), b.categories()));
    }

    private static Set<String> wider(Set<String> a, Set<String> b) {
        if (a == null || b == null) return null;
        Set<String> out = new LinkedHashSet<>(a);
        out.addAll(b);
        return out;
    }

    public Kind kind() {
        return kind;
    }

    public String clientId() {
        return clientId;
    }

    public String user() {
        return user;
    }

    public String tokenId() {
        return tokenId;
    }

    /** The patient in context (a patient/ launch), or null. */
    public String patient() {
        return patient;
    }

    public List<String> scopes() {
        return scopes;
    }

    /**
     * The context population analytics read with (pathways, cohort counts, similarity profiles): the whole population,
     * for a caller holding an analytics scope at user or system level; the door lets no resource content out under it,
     * only what the query aggregates. Null when the caller may not run population queries (no analytics scope, or only
     * patient/ context).
     */
    public AccessContext forAggregates() {
        if (rules == null) return this;
        if (!has(CareGraphScope.ANALYTICS_USER) && !has(CareGraphScope.ANALYTICS_SYSTEM)) return null;
        return new AccessContext(kind, clientId, user, tokenId, patient, scopes, capabilities, null, true, touched);
    }

    /** Whether population figures must have their small cells suppressed for this caller (not a system-level one). */
    public boolean suppressSmallCells() {
        return rules != null && !has(CareGraphScope.ANALYTICS_SYSTEM);
    }

    /** Whether this context reads aggregates only ({@link #forAggregates}). */
    public boolean aggregatesOnly() {
        return aggregates;
    }

    /** Whether the caller may see patient {@code key} ({@code Patient/id}) and what its compartment holds. */
    public boolean mayReadPatient(String key) {
        return mayRead("Patient", List.of(key), null);
    }

    /** Whether the caller holds CareGraph capability {@code scope}. */
    public boolean has(CareGraphScope scope) {
        return capabilities.contains(scope);
    }

    /** No restriction at all: the server's own work, or authentication off. */
    public boolean unrestricted() {
        return rules == null;
    }

    /** Whether some scope at system level grants {@code action} on {@code type}, without compartment or category limits. */
    public boolean systemLevel(String type, Action action) {
        TypeRule rule = rule(type);
        return rules == null || (rule != null && rule.actions().contains(action) && rule.patients() == null && rule.categories() == null);
    }

    /** The rule for {@code type} (the type's own, else the wildcard's); null: nothing allowed. */
    public TypeRule rule(String type) {
        if (rules == null) return new TypeRule(Set.of(Action.values()), null, null);
        TypeRule own = rules.get(type);
        TypeRule any = rules.get("*");
        if (own == null) return any;
        return any == null ? own : union(own, any);
    }

    /** Whether {@code action} on {@code type} is granted at all (the data it reaches may still be confined). */
    public boolean allows(String type, Action action) {
        TypeRule rule = rule(type);
        return rule != null && rule.actions().contains(action);
    }

    /**
     * Whether a stored resource may be seen: its type is readable or searchable, it lies in an allowed patient's
     * compartment when the type has one ({@code compartments}: the patients whose compartments hold it, null for a type
     * outside the Patient compartment), and its categories satisfy a granular scope.
     */
    public boolean mayRead(String type, Collection<String> compartments, Collection<String> categories) {
        if (rules == null) return true;
        TypeRule rule = rule(type);
        if (rule == null || !(rule.actions().contains(Action.READ) || rule.actions().contains(Action.SEARCH))) return false;
        return inCompartments(rule, compartments) && (rule.categories() == null
                || (categories != null && categories.stream().anyMatch(c -> inCategories(rule.categories(), c))));
    }

    /** A stored category token ({@code system|code}) against a scope's values, each {@code system|code} or a bare code. */
    private static boolean inCategories(Set<String> allowed, String token) {
        if (allowed.contains(token)) return true;
        int bar = token.lastIndexOf('|');
        return bar >= 0 && allowed.contains(token.substring(bar + 1));
    }

    /**
     * Whether content may be written as {@code type} with {@code compartments} (the patients the new content puts it
     * with): every such patient must be one the caller's rule allows, and a resource of a compartment type must belong
     * to at least one, so nothing is moved into another patient's record or out of every record.
     */
    public boolean mayWrite(String type, Action action, Collection<String> compartments) {
        if (rules == null) return true;
        TypeRule rule = rule(type);
        if (rule == null || !rule.actions().contains(action)) return false;
        if (rule.patients() == null || compartments == null) return true;
        return !compartments.isEmpty() && rule.patients().containsAll(compartments);
    }

    private static boolean inCompartments(TypeRule rule, Collection<String> compartments) {
        return rule.patients() == null || compartments == null || compartments.stream().anyMatch(rule.patients()::contains);
    }

    /**
     * The {@code $access} parameter of every named query: {@code all} (every resource visible: the query's filter is one
     * boolean), or {@code rules}: type (or '*') → {@code {patients, categories}} for the types the caller may read or
     * search (null members: no limit). See cypher/security/visible.cypher.
     */
    public Map<String, Object> cypherParameter() {
        Map<String, Object> p = new HashMap<>();
        // a wildcard rule without patient or category limits lets every resource through (system/*.rs): the filter is
        // then one boolean too, instead of reading each candidate's type from its property chain
        TypeRule any = rules == null ? null : rules.get("*");
        p.put("all", rules == null || any != null && any.patients() == null && any.categories() == null
                && (any.actions().contains(Action.READ) || any.actions().contains(Action.SEARCH)));
        Map<String, Object> visible = new HashMap<>();
        if (rules != null) {
            for (String type : rules.keySet()) {
                TypeRule rule = rule(type);
                if (!rule.actions().contains(Action.READ) && !rule.actions().contains(Action.SEARCH)) continue;
                Map<String, Object> r = new HashMap<>();
                r.put("patients", rule.patients() == null ? null : new ArrayList<>(rule.patients()));
                r.put("categories", rule.categories() == null ? null : new ArrayList<>(rule.categories()));
                visible.put(type, r);
            }
        }
        p.put("rules", visible);
        return p;
    }

    /** Notes that a request read or wrote data of these patients (for its audit record). */
    public void touch(Collection<String> patients) {
        if (patients != null) for (String p : patients) if (p != null && p.startsWith("Patient/")) touched.add(p);
    }

    /** The patients whose data this request touched so far. */
    public Set<String> touched() {
        return Set.copyOf(touched);
    }

    /** A copy with nothing touched: a job started by this request runs in its own context, confined alike. */
    public AccessContext fresh() {
        return new AccessContext(kind, clientId, user, tokenId, patient, scopes, capabilities, rules, aggregates,
                ConcurrentHashMap.newKeySet());
    }

    /** Whether SMART context {@code context} appears among the granted scopes. */
    public boolean hasContext(Context context) {
        return scopes.stream().map(SmartScope::parse).flatMap(java.util.Optional::stream).anyMatch(s -> s.context() == context);
    }

    @Override
    public String toString() {
        return kind + " " + clientId + (user == null ? "" : " as " + user); // never the scopes' patients
    }
}
