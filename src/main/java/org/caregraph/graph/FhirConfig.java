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
            /** made once: FHIRPath asks for it at every type name it meets (a quarter of an import's mapping time was copying it) */
            private volatile Set<String> all;

            @Override
            public Set<String> getResourceTypes() {
                Set<String> known = all;
                if (known == null) {
                    Set<String> union = new HashSet<>(super.getResourceTypes());
                    union.addAll(names);
                    all = known = Set.copyOf(union);
                }
                return known;
            }
        };
        custom.forEach(c -> context.registerCustomType(c.implementation()));
        context.setParserErrorHandler(new LocatingErrorHandler());
        return context;
    }
}
