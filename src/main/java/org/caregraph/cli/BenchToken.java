package org.caregraph.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.caregraph.security.CareGraphScope;
import org.caregraph.security.TokenIssuer;
import org.springframework.context.ApplicationContext;

/** The benchmarks' bearer token: a real one of the server's own issuer, with every scope at system level. */
final class BenchToken {
    private BenchToken() {
    }

    static String issue(ApplicationContext ctx) {
        List<String> scopes = new ArrayList<>(List.of("system/*.cruds"));
        for (CareGraphScope s : CareGraphScope.values()) scopes.add(s.scope);
        return ctx.getBean(TokenIssuer.class).issue("caregraph-bench", null, null, scopes, Duration.ofHours(6)).token();
    }
}
