package org.caregraph.cli;

import java.time.Duration;
import java.util.List;
import org.caregraph.security.CareGraphScope;
import org.caregraph.security.TokenIssuer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code serve --demo} stays a one-command start with security on: it prints an access token for a demo client with
 * every scope at system level, valid for an hour, and a curl line that uses it. For the demo population only: with
 * real data, clients get their own tokens from the authorization server.
 */
final class DemoAccess {
    static final Duration LIFETIME = Duration.ofHours(1);

    private DemoAccess() {
    }

    /** Every FHIR and CareGraph scope at system level. */
    static List<String> allScopes() {
        List<String> scopes = new java.util.ArrayList<>(List.of("system/*.cruds"));
        for (CareGraphScope s : CareGraphScope.values()) scopes.add(s.scope);
        return scopes;
    }

    static void print(ConfigurableApplicationContext ctx, String http) {
        String token = ctx.getBean(TokenIssuer.class).issue("caregraph-demo", null, null, allScopes(), LIFETIME).token();
        System.out.println("Demo access token (every scope, valid " + LIFETIME.toMinutes() + " min): " + token);
        System.out.println("Try: curl -H \"Authorization: Bearer " + token + "\" " + http + "/fhir/Patient?_count=5");
    }
}
