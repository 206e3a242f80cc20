package org.caregraph.cypher;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits of the analysts' Cypher endpoint: rows returned per request and the transaction timeout (both a default and a
 * ceiling the caller cannot exceed), and procedure name prefixes refused even when the database calls them read-only
 * (server-file, network and admin procedures of plugins such as APOC).
 */
@ConfigurationProperties("caregraph.cypher")
public record CypherProperties(
        @DefaultValue("1000") int defaultLimit,
        @DefaultValue("10000") int maxLimit,
        @DefaultValue("30s") Duration defaultTimeout,
        @DefaultValue("120s") Duration maxTimeout,
        @DefaultValue({"dbms.", "db.stats.", "fleetManagement.", "apoc.load.", "apoc.import.", "apoc.export.",
                "apoc.cypher.", "apoc.periodic.", "apoc.systemdb.", "apoc.trigger.", "apoc.custom.", "apoc.config.",
                "apoc.log."}) List<String> deniedProcedures) {
}
