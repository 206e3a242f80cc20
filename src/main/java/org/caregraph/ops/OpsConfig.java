package org.caregraph.ops;

import ca.uhn.fhir.context.FhirContext;
import java.util.Set;
import org.caregraph.graph.EmbeddedNeo4j;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/** Request ids, FHIR routes in the HTTP metrics, and the page cache meters of the embedded Neo4j. */
@Configuration(proxyBeanMethods = false)
class OpsConfig {
    /** The operations the FHIR R4 specification defines: the only ones that become a route tag of their own. */
    private static final Set<String> R4_OPERATIONS = Set.of("$everything", "$export", "$validate", "$meta", "$meta-add",
            "$meta-delete", "$lookup", "$expand", "$validate-code", "$translate", "$subsumes", "$closure", "$match",
            "$document", "$process-message", "$evaluate-measure", "$data-requirements", "$graphql", "$stats", "$lastn",
            "$populate", "$apply", "$find", "$conforms", "$implements", "$versions");

    /** First of all filters, so that even a request refused by security has its id in the log and the response. */
    @Bean
    @ConditionalOnWebApplication
    FilterRegistrationBean<RequestIdFilter> requestIdFilter() {
        FilterRegistrationBean<RequestIdFilter> bean = new FilterRegistrationBean<>(new RequestIdFilter());
        bean.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return bean;
    }

    @Bean
    @ConditionalOnWebApplication
    HttpRoutes httpRoutes(FhirContext fhir) {
        return new HttpRoutes(fhir.getResourceTypes(), R4_OPERATIONS);
    }

    @Bean
    PageCacheMetrics pageCacheMetrics(ObjectProvider<EmbeddedNeo4j> embedded) {
        EmbeddedNeo4j dbms = embedded.getIfAvailable();
        return dbms == null ? null : new PageCacheMetrics(dbms::pageCacheCounters);
    }
}
