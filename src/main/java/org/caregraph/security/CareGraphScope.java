package org.caregraph.security;

import java.util.Arrays;
import java.util.Optional;

/**
 * CareGraph's own capability scopes, beside the SMART resource scopes: what no resource scope can express because it
 * cannot be confined to a patient compartment (an analyst's Cypher or SQL, an import, the NLP service, operational
 * metrics) or because it reaches across a population (pathways, cohorts, similar patients). Each is written like a
 * SMART scope, {@code context/caregraph.capability}; analytics exists at user and system level (a user's population
 * queries have small cells suppressed), the others at system level only.
 */
public enum CareGraphScope {
    CYPHER("system/caregraph.cypher", "read-only Cypher over the whole graph (POST /cypher)"),
    SQL("system/caregraph.sql", "SQL on FHIR views over the whole store (POST /sql)"),
    IMPORT("system/caregraph.import", "import jobs (POST /import)"),
    NLP("system/caregraph.nlp", "the NLP service (POST /nlp)"),
    METRICS("system/caregraph.metrics", "operational endpoints beyond liveness and readiness (/actuator/*)"),
    ADMIN("system/caregraph.admin", "the store's operations: backup of the whole graph, consistency check (/admin/*)"),
    ANALYTICS_USER("user/caregraph.analytics", "population analytics with small cells suppressed (pathways, cohorts, similar patients)"),
    ANALYTICS_SYSTEM("system/caregraph.analytics", "population analytics without suppression");

    public final String scope;
    public final String description;

    CareGraphScope(String scope, String description) {
        this.scope = scope;
        this.description = description;
    }

    public static Optional<CareGraphScope> of(String token) {
        return Arrays.stream(values()).filter(s -> s.scope.equals(token)).findFirst();
    }
}
