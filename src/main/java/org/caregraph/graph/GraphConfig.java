package org.caregraph.graph;

import java.net.URI;
import org.neo4j.driver.AuthToken;
import org.neo4j.driver.AuthTokens;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.neo4j.autoconfigure.Neo4jConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** One code path: the driver (and everything built on it) is pointed at the embedded DBMS or at NEO4J_URI. */
@Configuration(proxyBeanMethods = false)
class GraphConfig {

    @Bean(destroyMethod = "close")
    EmbeddedNeo4j embeddedNeo4j(Neo4jProperties props) {
        // Only started when no external server is configured; otherwise the bean is an inert null holder.
        return props.embedded() ? new EmbeddedNeo4j(props) : null;
    }

    @Bean
    Neo4jConnectionDetails neo4jConnectionDetails(Neo4jProperties props, ObjectProvider<EmbeddedNeo4j> embedded) {
        if (props.embedded()) {
            URI uri = URI.create(embedded.getIfAvailable().boltUri());
            return new Neo4jConnectionDetails() {
                @Override public URI getUri() { return uri; }
                @Override public AuthToken getAuthToken() { return AuthTokens.none(); }
            };
        }
        URI uri = URI.create(props.uri());
        AuthToken auth = props.password() == null || props.password().isBlank()
                ? AuthTokens.none() : AuthTokens.basic(props.username(), props.password());
        return new Neo4jConnectionDetails() {
            @Override public URI getUri() { return uri; }
            @Override public AuthToken getAuthToken() { return auth; }
        };
    }
}
