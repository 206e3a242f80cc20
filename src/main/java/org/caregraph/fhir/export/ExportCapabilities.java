package org.caregraph.fhir.export;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceOperationComponent;
import org.hl7.fhir.r4.model.CanonicalType;

/**
 * The CapabilityStatement's Bulk Data rows: {@code instantiates} the IG's server CapabilityStatement, and the three
 * kick-offs as the operations named {@code export} with their canonical OperationDefinitions (HAPI would name its own
 * generated ones): the system one on {@code rest}, patient-export on Patient, group-export on Group.
 */
@Interceptor
public class ExportCapabilities {
    static final String BULK_DATA = "http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data";
    static final String EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export";
    static final String PATIENT_EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export";
    static final String GROUP_EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export";
    private static final String DOCUMENTATION = "Bulk Data Access 2.0.0: GET or POST (Parameters) kick-off with "
            + "Accept: application/fhir+json and Prefer: respond-async; _outputFormat, _since, _type, _elements, "
            + "includeAssociatedData (LatestProvenanceResources, RelevantProvenanceResources), _typeFilter";

    @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
    public void describe(IBaseConformance conformance) {
        if (!(conformance instanceof CapabilityStatement cs)) return;
        if (cs.getInstantiates().stream().noneMatch(c -> BULK_DATA.equals(c.getValue()))) cs.addInstantiates(BULK_DATA);
        for (CapabilityStatementRestComponent rest : cs.getRest()) {
            declare(rest.getOperation(), EXPORT, DOCUMENTATION);
            for (CapabilityStatementRestResourceComponent resource : rest.getResource()) {
                switch (resource.getType()) {
                    case "Patient" -> declare(resource.getOperation(), PATIENT_EXPORT, DOCUMENTATION + ", patient");
                    case "Group" -> declare(resource.getOperation(), GROUP_EXPORT, DOCUMENTATION + ", patient");
                    default -> { }
                }
            }
        }
    }

    /** One operation named export with {@code definition}, in place of what HAPI generated for the method. */
    private static void declare(List<CapabilityStatementRestResourceOperationComponent> operations, String definition,
                                String documentation) {
        operations.removeIf(o -> "export".equals(o.getName()) || "$export".equals(o.getName()));
        operations.add(new CapabilityStatementRestResourceOperationComponent().setName("export")
                .setDefinitionElement(new CanonicalType(definition)).setDocumentation(documentation));
    }
}
