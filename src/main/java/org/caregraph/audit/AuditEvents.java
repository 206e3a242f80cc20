package org.caregraph.audit;

import ca.uhn.fhir.context.FhirContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.Set;
import java.util.TreeSet;
import org.caregraph.security.AccessContext;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;

/**
 * The AuditEvent of one request, shaped like IHE BALP (Basic Audit Log Patterns): type and subtype from the
 * {@link Interaction}; action; when (recorded, and the request's period); outcome from the HTTP status (0 success,
 * 4 a client error or refusal, 8 a server error, 12 the server unavailable); agents — the client application
 * (DICOM "Source Role ID", its client id, the network address it came from), the user when the token names one
 * (fhirUser; "information recipient" and BALP's OAuth user agent), the token's {@code jti} as the requesting agent's
 * policy (BALP's OAuth pattern) with its granted scopes in a CareGraph extension, and this server ("Destination Role
 * ID"); source this server; entities — one per patient whose data the request read or wrote (role Patient), the
 * resource or job the URL names, the query (base64 of the query string, or of the GraphQL/Cypher/SQL text), and the
 * client's X-Request-Id. The event holds PHI by design (the query text): it goes to the audit log, never to the
 * application log.
 */
final class AuditEvents {
    static final String SCOPE_EXTENSION = "http://caregraph.org/fhir/StructureDefinition/audit-token-scope";
    static final String CLIENT_SYSTEM = "urn:caregraph:client";
    private static final String OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role";
    private static final String ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
    private static final String OUTCOME = "http://terminology.hl7.org/CodeSystem/audit-event-outcome";

    private final FhirContext fhir;

    AuditEvents(FhirContext fhir) {
        this.fhir = fhir;
    }

    /**
     * What the filter knows of a request when it records it.
     *
     * @param query         the raw query string, or null
     * @param body          the request body when it is the query ({@link Interaction#bodyQuery}), or null
     * @param access        the caller's context; null when the request was refused before a token was accepted
     * @param created       the Location of what a create made, or null
     * @param status        the HTTP status answered (500 when the request failed with an exception)
     * @param streamedStart true when recorded before a streamed answer's first byte
     */
    record Facts(Interaction interaction, String query, String body, String address, String server, Instant start,
                 Instant end, int status, AccessContext access, String created, String requestId, boolean streamedStart) {
    }

    /** The event as compact JSON (one line: see {@link AuditChain}). */
    String json(Facts facts) {
        // a vread's entity names the version read: keep it (HAPI's parsers strip versions from references by default)
        return fhir.newJsonParser().setPrettyPrint(false).setStripVersionsFromReferences(false).encodeResourceToString(event(facts));
    }

    AuditEvent event(Facts f) {
        Interaction i = f.interaction();
        AuditEvent e = new AuditEvent();
        e.setType(coding(i.type(), null));
        e.addSubtype(coding(i.subtype(), null));
        if (i.operation() != null) e.addSubtype(new Coding(Interaction.CAREGRAPH_SUBTYPES, i.operation(), null));
        e.setAction(AuditEvent.AuditEventAction.fromCode(i.action()));
        e.setRecorded(Date.from(f.end()));
        e.setPeriod(new Period().setStart(Date.from(f.start())).setEnd(Date.from(f.end())));
        e.setOutcome(outcome(f.status()));
        e.setOutcomeDesc("HTTP " + f.status() + (f.streamedStart() ? ", recorded before the answer was streamed" : ""));
        agents(e, f);
        e.getSource().setSite(f.server()).setObserver(new Reference().setDisplay("CareGraph")
                        .setIdentifier(new Identifier().setValue(f.server())))
                .addType(new Coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server"));
        entities(e, f);
        return e;
    }

    private static AuditEvent.AuditEventOutcome outcome(int status) {
        if (status == 503) return AuditEvent.AuditEventOutcome._12;
        if (status >= 500) return AuditEvent.AuditEventOutcome._8;
        if (status >= 400) return AuditEvent.AuditEventOutcome._4;
        return AuditEvent.AuditEventOutcome._0;
    }

    private static void agents(AuditEvent e, Facts f) {
        AccessContext a = f.access();
        boolean user = a != null && a.user() != null;
        AuditEventAgentComponent client = e.addAgent().setRequestor(!user);
        client.getType().addCoding(new Coding(Interaction.DICOM, "110153", "Source Role ID"));
        client.getNetwork().setAddress(f.address()).setType(AuditEvent.AuditEventAgentNetworkType._2);
        if (a == null) {
            client.setWho(new Reference().setDisplay("unauthenticated request"));
        } else {
            client.setWho(new Reference().setIdentifier(new Identifier().setSystem(CLIENT_SYSTEM).setValue(a.clientId())));
            if (!user) token(client, a);
        }
        if (user) {
            AuditEventAgentComponent person = e.addAgent().setRequestor(true);
            person.getType().addCoding(new Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", "information recipient"));
            person.setWho(new Reference(a.user()));
            token(person, a);
        }
        AuditEventAgentComponent server = e.addAgent().setRequestor(false);
        server.getType().addCoding(new Coding(Interaction.DICOM, "110152", "Destination Role ID"));
        server.setWho(new Reference().setDisplay("CareGraph").setIdentifier(new Identifier().setValue(f.server())));
        server.getNetwork().setAddress(f.server()).setType(AuditEvent.AuditEventAgentNetworkType._5);
    }

    /** BALP's OAuth user agent: the token's jti as policy, and (ours) its granted scopes. */
    private static void token(AuditEventAgentComponent agent, AccessContext a) {
        if (a.kind() != AccessContext.Kind.TOKEN) return;
        agent.getType().addCoding(new Coding("https://profiles.ihe.net/ITI/BALP/CodeSystem/UserAgentTypes", "UserOauthAgent", "User OAuth Agent participant"));
        if (a.tokenId() != null) agent.addPolicy("urn:ietf:params:oauth:jti:" + a.tokenId());
        if (!a.scopes().isEmpty()) agent.addExtension(SCOPE_EXTENSION, new StringType(String.join(" ", a.scopes())));
    }

    private static void entities(AuditEvent e, Facts f) {
        Set<String> patients = f.access() == null ? Set.of() : new TreeSet<>(f.access().touched());
        for (String p : patients) {
            entity(e, "1", "Person", "1", "Patient").setWhat(new Reference(p));
        }
        Interaction i = f.interaction();
        String resource = i.resource() != null ? i.resource() : created(f.created());
        if (resource != null) entity(e, "2", "System Object", "4", "Domain Resource").setWhat(new Reference(resource));
        if (i.job() != null) {
            entity(e, "2", "System Object", "20", "Job").setWhat(new Reference().setIdentifier(new Identifier().setValue(i.job())))
                    .setDescription(i.file());
        }
        String query = f.body() != null && !f.body().isEmpty() ? f.body() : f.query();
        if (query != null && !query.isEmpty()) {
            entity(e, "2", "System Object", "24", "Query").setQuery(query.getBytes(StandardCharsets.UTF_8));
        }
        if (f.requestId() != null && !f.requestId().isBlank()) {
            e.addEntity().setType(new Coding("https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType", "XrequestId", null))
                    .setWhat(new Reference().setIdentifier(new Identifier().setValue(f.requestId())));
        }
    }

    private static AuditEventEntityComponent entity(AuditEvent e, String type, String typeDisplay, String role, String roleDisplay) {
        return e.addEntity().setType(new Coding(ENTITY_TYPE, type, typeDisplay)).setRole(new Coding(OBJECT_ROLE, role, roleDisplay));
    }

    /** {@code Type/id} of a Location header ({@code …/fhir/Type/id/_history/v}), or null. */
    private static String created(String location) {
        if (location == null) return null;
        String[] parts = location.split("/");
        for (int i = parts.length - 2; i >= 0; i--) {
            if (!parts[i].isEmpty() && Character.isUpperCase(parts[i].charAt(0)) && !parts[i + 1].startsWith("_")) {
                return parts[i] + "/" + parts[i + 1];
            }
        }
        return null;
    }

    private static Coding coding(String systemAndCode, String display) {
        int bar = systemAndCode.lastIndexOf('|');
        return new Coding(systemAndCode.substring(0, bar), systemAndCode.substring(bar + 1), display);
    }
}
