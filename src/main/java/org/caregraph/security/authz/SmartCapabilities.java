package org.caregraph.security.authz;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.caregraph.security.ServerUrls;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.UriType;
import org.springframework.stereotype.Component;

/**
 * The CapabilityStatement's {@code rest.security} as SMART App Launch asks (a HAPI interceptor on the generated
 * statement): service SMART-on-FHIR and the {@code oauth-uris} extension naming the authorize and token endpoints, for
 * clients that discover the server from {@code /fhir/metadata} rather than from the well-known document.
 */
@Component
public class SmartCapabilities {
    static final String OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";
    static final String SERVICE_SYSTEM = "http://terminology.hl7.org/CodeSystem/restful-security-service";

    private final ServerUrls urls;

    public SmartCapabilities(ServerUrls urls) {
        this.urls = urls;
    }

    @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
    public void describe(IBaseConformance conformance) {
        if (!(conformance instanceof CapabilityStatement cs)) return;
        for (CapabilityStatement.CapabilityStatementRestComponent rest : cs.getRest()) {
            CapabilityStatement.CapabilityStatementRestSecurityComponent security = new CapabilityStatement.CapabilityStatementRestSecurityComponent();
            security.addService(new CodeableConcept(new Coding(SERVICE_SYSTEM, "SMART-on-FHIR", "SMART-on-FHIR"))
                    .setText("OAuth2 using SMART-on-FHIR profile (see https://hl7.org/fhir/smart-app-launch/)"));
            Extension oauth = security.addExtension().setUrl(OAUTH_URIS);
            oauth.addExtension("authorize", new UriType(urls.authorizeUrl()));
            oauth.addExtension("token", new UriType(urls.tokenUrl()));
            security.setDescription("Every interaction needs a bearer token of CareGraph's authorization server ("
                    + urls.issuer() + "/.well-known/smart-configuration) or of a configured identity provider, with SMART "
                    + "v1 or v2 scopes; data is confined to what the scopes reach.");
            rest.setSecurity(security);
        }
    }
}
