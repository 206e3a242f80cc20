package org.caregraph.graph;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.FhirVersionEnum;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class FhirConfig {
    /**
     * Costly to build and thread-safe: one per process. Strict: bad input is refused, never silently cleaned. The
     * custom types the capabilities declare are registered, and listed among the resource types (HAPI lists only the
     * version's own), so everything that goes by the list of types serves them too.
     */
    @Bean
    FhirContext fhirContext(List<FhirCustomType> custom) {
        Set<String> names = Set.copyOf(custom.stream().map(FhirCustomType::name).toList());
        FhirContext context = new FhirContext(FhirVersionEnum.R4) {
            @Override
            public Set<String> getResourceTypes() {
                Set<String> all = new HashSet<>(super.getResourceTypes());
                all.addAll(names);
                return all;
            }
        };
        custom.forEach(c -> context.registerCustomType(c.implementation()));
        context.setParserErrorHandler(new LocatingErrorHandler());
        return context;
    }
}
