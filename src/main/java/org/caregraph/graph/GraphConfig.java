package org.caregraph.graph;

import java.net.URI;
import org.neo4j.driver.AuthToken;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.neo4j.autoconfigure.ConfigBuilderCustomizer;
import org.springframework.boot.neo4j.autoconfigure.Neo4jConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * One code path: the driver (and everything built on it) is pointed at the embedded DBMS (started by
 * {@link EmbeddedNeo4jStarter} before any bean) or at NEO4J_URI.
 */
@Configuration(proxyBeanMethods = false)
class GraphConfig {

    @Bean
    Neo4jConnectionDetails neo4jConnectionDetails(Neo4jProperties props, ObjectProvider<EmbeddedNeo4j> embedded) {
        URI uri;
        AuthToken auth;
        if (props.embedded()) {
            EmbeddedNeo4j dbms = embedded.getObject();
            uri = URI.create(dbms.boltUri());
            auth = AuthTokens.basic(EmbeddedNeo4j.USER, dbms.password());
        } else {
            uri = URI.create(props.uri());
            auth = props.password() == null || props.password().isBlank()
                    ? AuthTokens.none() : AuthTokens.basic(props.username(), props.password());
        }
        return new Neo4jConnectionDetails() {
            @Override public URI getUri() { return uri; }
            @Override public AuthToken getAuthToken() { return auth; }
        };
    }

    /**
     * With Bolt TLS on the embedded DBMS, the application's own driver encrypts too and trusts exactly the configured
     * certificate. It connects to the loopback address the certificate need not name, hence no hostname check.
     */
    @Bean
    ConfigBuilderCustomizer embeddedBoltTls(Neo4jProperties props) {
        return builder -> {
            if (props.embedded() && props.boltTls()) {
                builder.withEncryption().withTrustStrategy(Config.TrustStrategy
                        .trustCustomCertificateSignedBy(props.boltTlsCert().toFile()).withoutHostnameVerification());
            }
        };
    }
}
