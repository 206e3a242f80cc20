package org.caregraph.fhir.search;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.caregraph.search.SearchParams;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Enumerations;
import org.springframework.stereotype.Component;

/**
 * Makes the CapabilityStatement tell the truth about search: HAPI sees one generic search method per type, so this
 * lists what it actually serves: each type's indexed parameters with their modifiers, _id and _lastUpdated, and the
 * _include/_revinclude values.
 */
@Component
public class SearchCapabilities {
    private static final Map<RestSearchParameterTypeEnum, String> MODIFIERS = Map.of(
            RestSearchParameterTypeEnum.TOKEN, ":missing :not :text; system|code, |code, code, system|",
            RestSearchParameterTypeEnum.STRING, ":missing :exact :contains (default: starts with, case- and accent-insensitive)",
            RestSearchParameterTypeEnum.DATE, ":missing; prefixes eq ne gt lt ge le sa eb ap; precision (2020 = the year)",
            RestSearchParameterTypeEnum.REFERENCE, ":missing :identifier :[type]; chains (param[:Type].param, several levels)",
            RestSearchParameterTypeEnum.QUANTITY, ":missing; prefixes eq ne gt lt ge le sa eb ap; number|system|code, number||code",
            RestSearchParameterTypeEnum.NUMBER, ":missing; prefixes eq ne gt lt ge le sa eb ap",
            RestSearchParameterTypeEnum.URI, ":missing :below");

    private final SearchParams params;

    public SearchCapabilities(SearchParams params) {
        this.params = params;
    }

    @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
    public void describe(IBaseConformance conformance) {
        if (!(conformance instanceof CapabilityStatement cs)) return;
        Map<String, List<String>> revincludes = new HashMap<>();
        for (String type : params.types()) {
            for (SearchParams.Param p : params.of(type).values()) {
                if (p.type() != RestSearchParameterTypeEnum.REFERENCE) continue;
                List<String> targets = p.targets().isEmpty() ? List.copyOf(params.types()) : p.targets();
                for (String t : targets) revincludes.computeIfAbsent(t, k -> new ArrayList<>()).add(type + ":" + p.name());
            }
        }
        for (CapabilityStatement.CapabilityStatementRestComponent rest : cs.getRest()) {
            for (CapabilityStatement.CapabilityStatementRestResourceComponent r : rest.getResource()) {
                String type = r.getType();
                r.getSearchParam().clear();
                r.getSearchInclude().clear();
                r.getSearchRevInclude().clear();
                r.addSearchParam().setName("_id").setType(Enumerations.SearchParamType.TOKEN)
                        .setDefinition("http://hl7.org/fhir/SearchParameter/Resource-id");
                r.addSearchParam().setName("_lastUpdated").setType(Enumerations.SearchParamType.DATE)
                        .setDefinition("http://hl7.org/fhir/SearchParameter/Resource-lastUpdated")
                        .setDocumentation(MODIFIERS.get(RestSearchParameterTypeEnum.DATE));
                TreeSet<String> includes = new TreeSet<>();
                for (SearchParams.Param p : params.of(type).values()) {
                    r.addSearchParam().setName(p.name()).setType(Enumerations.SearchParamType.fromCode(p.type().getCode()))
                            .setDefinition(p.uri()).setDocumentation(MODIFIERS.get(p.type()));
                    if (p.type() == RestSearchParameterTypeEnum.REFERENCE) includes.add(type + ":" + p.name());
                }
                if (!includes.isEmpty()) includes.add("*");
                includes.forEach(r::addSearchInclude);
                new TreeSet<>(revincludes.getOrDefault(type, List.of())).forEach(r::addSearchRevInclude);
            }
        }
    }
}
