package org.caregraph.graph;

import ca.uhn.fhir.context.FhirContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class FhirConfig {
    /** Costly to build and thread-safe: one per process. Strict: bad input is refused, never silently cleaned. */
    @Bean
    FhirContext fhirContext() {
        FhirContext context = FhirContext.forR4();
        context.setParserErrorHandler(new LocatingErrorHandler());
        return context;
    }
}
