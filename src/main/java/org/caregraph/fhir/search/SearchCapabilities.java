package org.caregraph.fhir.search;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.caregraph.fhir.Conformance;
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
    /** The documentation of each parameter type: its modifiers and value forms, from {@link Conformance}. */
    static String documentation(RestSearchParameterTypeEnum type) {
        String modifiers = Conformance.modifiers(type);
        return switch (type) {
            case TOKEN -> modifiers + "; system|code, |code, code, system|; escapes \\, \\$ \\|";
            case STRING -> modifiers + " (default: starts with, folding case, accents and ligatures)";
            case DATE -> modifiers + "; prefixes " + String.join(" ", new TreeSet<>(Conformance.PREFIXES)) + "; precision (2020 = the year)";
            case REFERENCE -> modifiers + "; chains (param[:Type].param, several levels)";
            case QUANTITY -> modifiers + "; prefixes " + String.join(" ", new TreeSet<>(Conformance.PREFIXES)) + "; number|system|code, number||code";
            case NUMBER -> modifiers + "; prefixes " + String.join(" ", new TreeSet<>(Conformance.PREFIXES));
            default -> modifiers;
        };
    }

    /** The parameters every type takes besides its own (search.html "Parameters for all resources"), with their types. */
    static final Map<String, Enumerations.SearchParamType> COMMON = new java.util.LinkedHashMap<>();

    static {
        COMMON.put("_text", Enumerations.SearchParamType.STRING);
        COMMON.put("_content", Enumerations.SearchParamType.STRING);
        COMMON.put("_list", Enumerations.SearchParamType.TOKEN);
        COMMON.put("_filter", Enumerations.SearchParamType.SPECIAL);
        COMMON.put("_has", Enumerations.SearchParamType.SPECIAL);
    }

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
                        .setDocumentation(documentation(RestSearchParameterTypeEnum.DATE));
                COMMON.forEach((name, kind) -> r.addSearchParam().setName(name).setType(kind)
                        .setDefinition("http://hl7.org/fhir/SearchParameter/Resource-" + name.substring(1)));
                TreeSet<String> includes = new TreeSet<>();
                for (SearchParams.Param p : params.of(type).values()) {
                    r.addSearchParam().setName(p.name()).setType(Enumerations.SearchParamType.fromCode(p.type().getCode()))
                            .setDefinition(p.uri()).setDocumentation(documentation(p.type()));
                    if (p.type() == RestSearchParameterTypeEnum.REFERENCE) includes.add(type + ":" + p.name());
                }
                if (!includes.isEmpty()) includes.add("*");
                includes.forEach(r::addSearchInclude);
                new TreeSet<>(revincludes.getOrDefault(type, List.of())).forEach(r::addSearchRevInclude);
                r.addSearchRevInclude("*");
            }
            // whole-system search: the parameters common to every type
            rest.getSearchParam().clear();
            rest.addSearchParam().setName("_id").setType(Enumerations.SearchParamType.TOKEN);
            rest.addSearchParam().setName("_lastUpdated").setType(Enumerations.SearchParamType.DATE);
            COMMON.forEach((name, kind) -> rest.addSearchParam().setName(name).setType(kind));
            rest.getInteraction().removeIf(i -> i.getCode() == CapabilityStatement.SystemRestfulInteraction.SEARCHSYSTEM
                    || i.getCode() == CapabilityStatement.SystemRestfulInteraction.BATCH);
            // HAPI lists transaction for the method that serves both
            rest.addInteraction().setCode(CapabilityStatement.SystemRestfulInteraction.BATCH);
            rest.addInteraction().setCode(CapabilityStatement.SystemRestfulInteraction.SEARCHSYSTEM)
                    .setDocumentation("GET [base]?_type=..., POST [base]/_search; Patient/[id]/* and Patient/[id]/[type] compartment search");
        }
    }
}
