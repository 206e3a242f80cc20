package org.caregraph.security.authz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.caregraph.security.CareGraphScope;
import org.caregraph.security.SmartScope;
import org.caregraph.security.SmartScope.Action;
import org.caregraph.security.SmartScope.Context;
import org.hl7.fhir.r4.model.ResourceType;

/**
 * Scope negotiation: what a client gets is what it asked for, intersected with what it may have (its registered
 * allowance, and for a signed-in user the user's too). Resource scopes are intersected as sets of permissions, not
 * compared as strings: {@code patient/*.rs} asked of an allowance {@code patient/Observation.read} grants
 * {@code patient/Observation.rs}; {@code user/Observation.cruds} asked of {@code user/*.rs} grants
 * {@code user/Observation.rs}; a granular {@code ?category=} restriction on either side stays in the result. Each
 * granted scope keeps the form it was asked in (v1 {@code read/write/*} where its actions have a v1 name, else v2
 * letters). The SMART context scopes ({@code openid fhirUser launch/patient offline_access}) and CareGraph's capability
 * scopes are granted when allowed verbatim. A malformed resource scope, an unknown resource type or action, or a
 * granular parameter other than category is {@code invalid_scope}; so is a grant left empty. Other scopes (an EHR
 * launch's {@code launch}, OpenID's {@code profile}) are not granted (RFC 6749 §3.3 lets a server grant less).
 */
public final class ScopeNegotiation {
    /** SMART's non-resource scopes this server honours. */
    public static final Set<String> CONTEXT_SCOPES = Set.of("openid", "fhirUser", "launch/patient", "offline_access");
    private static final Set<String> TYPES = Arrays.stream(ResourceType.values()).map(Enum::name).collect(Collectors.toSet());

    private ScopeNegotiation() {
    }

    /** A scope the server does not know, or a grant that would be empty: the token endpoint's invalid_scope. */
    public static final class InvalidScopeException extends RuntimeException {
        public InvalidScopeException(String message) {
            super(message);
        }
    }

    /**
     * The grant: {@code requested} ∩ {@code allowance}, in the order asked, without a scope another granted scope
     * already covers.
     *
     * @throws InvalidScopeException when a requested scope is malformed or names an unknown type or action, or nothing
     *                               is granted
     */
    public static List<String> negotiate(List<String> requested, List<String> allowance) {
        List<SmartScope> allowed = new ArrayList<>();
        for (String a : allowance) SmartScope.parse(a).ifPresent(allowed::add);
        Set<String> specials = new LinkedHashSet<>();
        List<SmartScope> granted = new ArrayList<>();
        for (String token : new LinkedHashSet<>(requested)) {
            if (CONTEXT_SCOPES.contains(token) || CareGraphScope.of(token).isPresent()) {
                if (allowance.contains(token)) specials.add(token);
                continue;
            }
            SmartScope asked = resourceScope(token);
            if (asked == null) continue; // not a SMART resource scope: not granted
            for (SmartScope a : allowed) {
                SmartScope meet = meet(asked, a);
                if (meet != null) granted.add(meet);
            }
        }
        List<String> out = new ArrayList<>(specials);
        for (SmartScope s : granted) {
            boolean covered = granted.stream().anyMatch(o -> o != s && covers(o, s) && (!covers(s, o) || granted.indexOf(o) < granted.indexOf(s)));
            String text = s.format();
            if (!covered && !out.contains(text)) out.add(text);
        }
        if (out.isEmpty()) throw new InvalidScopeException("none of the requested scopes can be granted to this client");
        return out;
    }

    /** The scopes of {@code scopes} that a token of the given SMART context may carry (system only for a backend). */
    public static List<String> ofContext(List<String> scopes, Context context) {
        return scopes.stream().filter(s -> {
            var smart = SmartScope.parse(s);
            if (smart.isPresent()) return smart.get().context() == context;
            return CareGraphScope.of(s).map(c -> c.scope.startsWith(context.prefix() + "/")).orElse(false);
        }).toList();
    }

    /**
     * A user's allowance as the second operand of {@link #negotiate}: the context scopes pass (the client's allowance
     * decides them), and each {@code user/} scope also allows the same in {@code patient/} context, since a patient the
     * user picks is one its user/ scopes reach.
     */
    public static List<String> userAllowance(List<String> userScopes) {
        List<String> out = new ArrayList<>(CONTEXT_SCOPES);
        for (String s : userScopes) {
            out.add(s);
            SmartScope.parse(s).filter(x -> x.context() == Context.USER)
                    .ifPresent(x -> out.add(new SmartScope(Context.PATIENT, x.type(), x.actions(), x.query(), x.v1()).format()));
        }
        return out;
    }

    /** Checks a scope given at registration (a client's or a user's allowance). */
    static void requireKnown(String token) {
        if (CONTEXT_SCOPES.contains(token) || CareGraphScope.of(token).isPresent()) return;
        try {
            if (resourceScope(token) != null) return;
        } catch (InvalidScopeException e) {
            throw new IllegalArgumentException("not a scope this server grants: " + e.getMessage());
        }
        throw new IllegalArgumentException("not a scope this server grants: " + token);
    }

    /** The requested token as a SMART resource scope, null when it is not one; invalid_scope when it is a bad one. */
    private static SmartScope resourceScope(String token) {
        boolean looksSmart = token.startsWith("patient/") || token.startsWith("user/") || token.startsWith("system/");
        if (!looksSmart) return null;
        SmartScope s = SmartScope.parse(token).orElseThrow(() -> new InvalidScopeException("malformed scope or unknown action: " + token));
        if (!s.type().equals("*") && !TYPES.contains(s.type())) throw new InvalidScopeException("unknown resource type in scope " + token);
        if (!s.query().isEmpty() && !s.query().keySet().equals(Set.of("category"))) {
            throw new InvalidScopeException("granular scopes restrict by category only: " + token);
        }
        return s;
    }

    /** The permissions both scopes grant, in the asked scope's form; null when none. */
    static SmartScope meet(SmartScope asked, SmartScope allowed) {
        if (asked.context() != allowed.context()) return null;
        String type;
        if (asked.type().equals(allowed.type()) || allowed.type().equals("*")) type = asked.type();
        else if (asked.type().equals("*")) type = allowed.type();
        else return null;
        Set<Action> actions = EnumSet.noneOf(Action.class);
        actions.addAll(asked.actions());
        actions.retainAll(allowed.actions());
        if (actions.isEmpty()) return null;
        Map<String, List<String>> query = meetQuery(asked.query(), allowed.query());
        if (query == null) return null;
        return new SmartScope(asked.context(), type, actions, query, asked.v1());
    }

    /** Both granular restrictions at once; null when they exclude each other. A bare code meets its system|code. */
    private static Map<String, List<String>> meetQuery(Map<String, List<String>> a, Map<String, List<String>> b) {
        if (a.isEmpty()) return b;
        if (b.isEmpty()) return a;
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (var e : a.entrySet()) {
            List<String> other = b.get(e.getKey());
            if (other == null) {
                out.put(e.getKey(), e.getValue());
                continue;
            }
            Set<String> values = new LinkedHashSet<>();
            for (String v : e.getValue()) {
                for (String w : other) {
                    if (v.equals(w) || (!v.contains("|") && w.endsWith("|" + v))) values.add(w);
                    else if (!w.contains("|") && v.endsWith("|" + w)) values.add(v);
                }
            }
            if (values.isEmpty()) return null;
            out.put(e.getKey(), List.copyOf(values));
        }
        b.forEach(out::putIfAbsent);
        return out;
    }

    /** Whether {@code a} grants everything {@code b} does. */
    static boolean covers(SmartScope a, SmartScope b) {
        return a.context() == b.context() && (a.type().equals("*") || a.type().equals(b.type()))
                && a.actions().containsAll(b.actions())
                && (a.query().isEmpty() || Objects.equals(a.query(), b.query()));
    }
}
