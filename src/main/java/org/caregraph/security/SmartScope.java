package org.caregraph.security;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One SMART on FHIR resource scope, v1 ({@code patient/Observation.read}, {@code .write}, {@code .*}) or v2
 * ({@code patient/Observation.rs}, {@code user/*.cruds}, granular {@code patient/Observation.rs?category=…|laboratory}),
 * as SMART App Launch 2.x defines them; or one of CareGraph's own capability scopes ({@code system/caregraph.cypher}:
 * see {@link CareGraphScope}). Parsing is strict: an unknown context, an action set out of the {@code cruds} order, a
 * repeated letter or an unknown v1 permission is not a scope.
 *
 * @param context  patient, user or system
 * @param type     a resource type or {@code *}
 * @param actions  the interactions allowed
 * @param query    a v2 granular restriction: search parameter → allowed values (empty: none)
 * @param v1       written in v1 form (read/write/*): negotiation answers in the form asked
 */
public record SmartScope(Context context, String type, Set<Action> actions, Map<String, List<String>> query, boolean v1) {

    public enum Context {
        PATIENT, USER, SYSTEM;

        public String prefix() {
            return name().toLowerCase();
        }
    }

    /** The SMART v2 interactions, in the order their letters must be written. */
    public enum Action {
        CREATE('c'), READ('r'), UPDATE('u'), DELETE('d'), SEARCH('s');

        public final char letter;

        Action(char letter) {
            this.letter = letter;
        }
    }

    public SmartScope {
        actions = actions.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(actions));
        Map<String, List<String>> q = new LinkedHashMap<>();
        query.forEach((k, v) -> q.put(k, List.copyOf(v)));
        query = Map.copyOf(q);
    }

    /** Parses one scope token; empty when it is not a SMART resource scope (openid, launch/patient, …). */
    public static Optional<SmartScope> parse(String token) {
        int slash = token.indexOf('/');
        if (slash <= 0) return Optional.empty();
        Context context = switch (token.substring(0, slash)) {
            case "patient" -> Context.PATIENT;
            case "user" -> Context.USER;
            case "system" -> Context.SYSTEM;
            default -> null;
        };
        if (context == null) return Optional.empty();
        String rest = token.substring(slash + 1);
        Map<String, List<String>> query = new LinkedHashMap<>();
        int q = rest.indexOf('?');
        if (q >= 0) {
            for (String pair : rest.substring(q + 1).split("&")) {
                int eq = pair.indexOf('=');
                if (eq <= 0 || eq == pair.length() - 1) return Optional.empty();
                String name = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.computeIfAbsent(name, n -> new ArrayList<>()).addAll(List.of(value.split(",")));
            }
            rest = rest.substring(0, q);
        }
        int dot = rest.lastIndexOf('.');
        if (dot <= 0 || dot == rest.length() - 1) return Optional.empty();
        String type = rest.substring(0, dot);
        String permission = rest.substring(dot + 1);
        if (!type.equals("*") && !type.matches("[A-Za-z][A-Za-z0-9]*")) return Optional.empty();
        Set<Action> actions;
        boolean v1;
        switch (permission) {
            case "read" -> { actions = EnumSet.of(Action.READ, Action.SEARCH); v1 = true; }
            case "write" -> { actions = EnumSet.of(Action.CREATE, Action.UPDATE, Action.DELETE); v1 = true; }
            case "*" -> { actions = EnumSet.allOf(Action.class); v1 = true; }
            default -> {
                actions = letters(permission);
                if (actions == null) return Optional.empty();
                v1 = false;
            }
        }
        if (v1 && !query.isEmpty()) return Optional.empty(); // granular scopes are v2 only
        return Optional.of(new SmartScope(context, type, actions, query, v1));
    }

    /** {@code cruds} letters in order, each at most once; null when the text is not such a subset. */
    private static Set<Action> letters(String permission) {
        EnumSet<Action> out = EnumSet.noneOf(Action.class);
        int last = -1;
        for (char ch : permission.toCharArray()) {
            int i = -1;
            for (Action a : Action.values()) if (a.letter == ch) i = a.ordinal();
            if (i <= last) return null;
            out.add(Action.values()[i]);
            last = i;
        }
        return out.isEmpty() ? null : out;
    }

    /** Whether this scope lets {@code action} be done on {@code resourceType} (its granular query aside). */
    public boolean covers(String resourceType, Action action) {
        return (type.equals("*") || type.equals(resourceType)) && actions.contains(action);
    }

    /** The scope as text, in v1 form when it was asked so and its actions have a v1 name, else in v2 form. */
    public String format() {
        String permission = null;
        if (v1) {
            if (actions.equals(EnumSet.of(Action.READ, Action.SEARCH))) permission = "read";
            else if (actions.equals(EnumSet.of(Action.CREATE, Action.UPDATE, Action.DELETE))) permission = "write";
            else if (actions.equals(EnumSet.allOf(Action.class))) permission = "*";
        }
        if (permission == null) {
            StringBuilder b = new StringBuilder();
            for (Action a : Action.values()) if (actions.contains(a)) b.append(a.letter);
            permission = b.toString();
        }
        StringBuilder out = new StringBuilder(context.prefix()).append('/').append(type).append('.').append(permission);
        if (!query.isEmpty()) {
            out.append('?');
            List<String> pairs = new ArrayList<>();
            query.forEach((k, v) -> pairs.add(k + "=" + String.join(",", v)));
            out.append(String.join("&", pairs));
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return format();
    }
}
