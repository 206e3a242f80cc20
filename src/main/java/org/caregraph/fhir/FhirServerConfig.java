package org.caregraph.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.FifoMemoryPagingProvider;
import ca.uhn.fhir.rest.server.RestfulServer;
import java.util.List;
import org.caregraph.audit.AuditEventProvider;
import org.caregraph.fhir.export.ExportCapabilities;
import org.caregraph.fhir.export.ExportProvider;
import org.caregraph.fhir.search.GraphSearch;
import org.caregraph.fhir.search.SearchCapabilities;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.GraphWriter;
import org.caregraph.graph.ResourceMapper;
import org.caregraph.security.logging.FhirServerErrorLog;
import org.caregraph.nlp.NoteRerun;
import org.caregraph.security.authz.SmartCapabilities;
import org.springframework.beans.factory.ObjectProvider;
import org.caregraph.graph.PatientCompartment;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** HAPI's plain RestfulServer at /fhir, with a graph-backed provider for every FHIR R4 resource type. */
@Configuration(proxyBeanMethods = false)
class FhirServerConfig {

    @Bean
    ServletRegistrationBean<RestfulServer> fhirServlet(FhirContext fhir, GraphReader reader, ResourceMapper mapper,
                                                       GraphWriter writer, GraphSearch search,
                                                       SearchCapabilities searchCapabilities, ResourceMatcher matcher,
                                                       EverythingProvider everything, ExportProvider export,
                                                       NoteRerun notes, SmartCapabilities smart,
                                                       ObjectProvider<AuditEventProvider> audit, List<FhirOperations> operations,
                                                       PatientCompartment compartment, ResourceValidation validation,
                                                       TerminologyProvider terminology, LastNProvider lastn) {
        RestfulServer server = new RestfulServer(fhir);
        ResourceWrites writes = new ResourceWrites(fhir, mapper, writer, notes);
        ConditionalInteractions conditional = new ConditionalInteractions(matcher);
        List<GraphResourceProvider> providers = fhir.getResourceTypes().stream().sorted()
                .filter(t -> !t.equals("AuditEvent")) // served from the audit log, below
                .map(t -> new GraphResourceProvider(fhir.getResourceDefinition(t).getImplementingClass(), fhir, reader,
                        writes, writer, search, conditional, validation))
                .toList();
        server.setResourceProviders(List.copyOf(providers));
        server.registerProvider(new SystemHistoryProvider(fhir, reader));
        server.registerProvider(new SystemSearchProvider(fhir, search, compartment));
        server.registerProvider(new TransactionProvider(writes, reader, conditional, search));
        server.registerProviders(everything, export, terminology, lastn);
        audit.ifAvailable(a -> { // the web server's (CLI commands serve no HTTP)
            server.registerProvider(a);
            server.registerInterceptor(a);
        });
        server.registerProviders(List.copyOf(operations));
        server.registerInterceptor(searchCapabilities);
        server.registerInterceptor(new ExportCapabilities());
        server.registerInterceptor(smart); // rest.security: SMART-on-FHIR and its oauth-uris
        server.registerInterceptor(new FhirAccess());
        server.registerInterceptor(new FhirServerErrorLog()); // server errors without the messages that echo input
        server.registerInterceptor(new FhirResponses(fhir));
        // searches and histories are paged by page id: the provider keeps the last 100 SearchBundles (plans and keyset
        // cursors, no results) and HistoryBundles (bounded by their first request's time); _count is the page size
        // within these bounds
        FifoMemoryPagingProvider paging = new FifoMemoryPagingProvider(100);
        paging.setDefaultPageSize(50);
        paging.setMaximumPageSize(500);
        server.setPagingProvider(paging);
        server.setDefaultPrettyPrint(false);
        ServletRegistrationBean<RestfulServer> bean = new ServletRegistrationBean<>(server, "/fhir/*");
        bean.setLoadOnStartup(1);
        bean.setName("fhir");
        return bean;
    }

    /** Compartment search and HEAD brought to what HAPI routes ({@link FhirRequestRewrite}). */
    @Bean
    FilterRegistrationBean<FhirRequestRewrite> fhirRequestRewrite(FhirContext fhir) {
        FilterRegistrationBean<FhirRequestRewrite> bean = new FilterRegistrationBean<>(new FhirRequestRewrite(fhir));
        bean.setUrlPatterns(List.of("/fhir/*"));
        return bean;
    }
}
