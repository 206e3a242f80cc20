package org.caregraph.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.annotation.ConditionalUrlParam;
import ca.uhn.fhir.rest.annotation.Create;
import ca.uhn.fhir.rest.annotation.Delete;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Patch;
import ca.uhn.fhir.rest.annotation.Read;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.annotation.Update;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.api.PatchTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.SimpleBundleProvider;
import ca.uhn.fhir.rest.server.method.ResponsePage;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.caregraph.security.Access;
import org.caregraph.security.AccessContext;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.stereotype.Component;

/**
 * {@code /fhir/AuditEvent}, served from the audit log (it replaces the graph-backed provider of that type): read by id
 * (the record's sequence number) and search by {@code patient}, {@code date} (with prefixes), {@code agent} (a user's
 * reference or a client id), {@code action}, {@code outcome}, {@code subtype}, newest first, paged. AuditEvent scopes
 * decide who reads what, as for every type: an AuditEvent lies in the compartments of the patients it names, so a
 * system-level scope reads the whole log and a patient token with {@code patient/AuditEvent.rs} reads the events that
 * name its patient — who accessed its record, when and how — with everything about anyone else taken out (other
 * patients, the query, network addresses, token details). AuditEvents are never written through the API: create,
 * update, patch and delete answer 405 (transactions and batches too: TransactionProvider refuses such entries).
 */
@Component
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@Interceptor
public class AuditEventProvider implements IResourceProvider {
    private static final String TYPE = "AuditEvent";

    private final AuditLog auditLog;
    private final FhirContext fhir;

    AuditEventProvider(AuditTrail trail, FhirContext fhir) {
        this.auditLog = trail.log();
        this.fhir = fhir;
    }

    @Override
    public Class<AuditEvent> getResourceType() {
        return AuditEvent.class;
    }

    @Read
    public AuditEvent read(@IdParam IdType id) {
        AccessContext access = Access.current();
        AuditIndex.Entry entry = id.isIdPartValidLong() ? auditLog.index().get(id.getIdPartAsLong()).orElse(null) : null;
        if (entry == null || !visible(access, entry)) throw new ResourceNotFoundException(id);
        return served(access, entry);
    }

    @Search
    public IBundleProvider search(@OptionalParam(name = AuditEvent.SP_PATIENT) ReferenceParam patient,
                                  @OptionalParam(name = AuditEvent.SP_DATE) DateRangeParam date,
                                  @OptionalParam(name = AuditEvent.SP_AGENT) ReferenceOrListParam agent,
                                  @OptionalParam(name = AuditEvent.SP_ACTION) TokenOrListParam action,
                                  @OptionalParam(name = AuditEvent.SP_OUTCOME) TokenOrListParam outcome,
                                  @OptionalParam(name = AuditEvent.SP_SUBTYPE) TokenOrListParam subtype) {
        AccessContext access = Access.current();
        Predicate<AuditIndex.Entry> filter = e -> visible(access, e);
        if (date != null) {
            Date low = date.getLowerBoundAsInstant();
            Date high = date.getUpperBoundAsInstant();
            filter = filter.and(e -> (low == null || e.time() >= low.getTime()) && (high == null || e.time() <= high.getTime()));
        }
        if (agent != null) {
            Set<String> wanted = Set.copyOf(agent.getValuesAsQueryTokens().stream().map(ReferenceParam::getValue).toList());
            filter = filter.and(e -> e.agents().stream().anyMatch(wanted::contains));
        }
        if (action != null) filter = filter.and(e -> codes(action).contains(e.action()));
        if (outcome != null) filter = filter.and(e -> codes(outcome).contains(e.outcome()));
        if (subtype != null) filter = filter.and(e -> e.subtypes().stream().anyMatch(codes(subtype)::contains));
        String key = patient == null ? null : "Patient/" + patient.getIdPart();
        List<AuditIndex.Entry> found = select(access, key, filter);
        return new Page(access, found);
    }

    private static Set<String> codes(TokenOrListParam tokens) {
        return Set.copyOf(tokens.getValuesAsQueryTokens().stream().map(TokenParam::getValue).toList());
    }

    /**
     * The matching entries, newest first: from the patient's own list when a patient is named, or when the caller is
     * confined to a few patients, from theirs (each entry once); else a scan of the whole index.
     */
    private List<AuditIndex.Entry> select(AccessContext access, String patient, Predicate<AuditIndex.Entry> filter) {
        AccessContext.TypeRule rule = access.rule(TYPE);
        if (rule == null || rule.patients() == null) return auditLog.index().select(patient, filter);
        // another patient's events, even those that also name one of the caller's, are not the caller's to look for
        if (patient != null) return rule.patients().contains(patient) ? auditLog.index().select(patient, filter) : List.of();
        TreeMap<Long, AuditIndex.Entry> merged = new TreeMap<>(java.util.Comparator.reverseOrder());
        for (String p : rule.patients()) for (AuditIndex.Entry e : auditLog.index().select(p, filter)) merged.put(e.seq(), e);
        return List.copyOf(merged.values());
    }

    /** AuditEvent lies in the Patient compartment (its patient parameter): the caller's AuditEvent scope decides. */
    private static boolean visible(AccessContext access, AuditIndex.Entry entry) {
        return access.mayRead(TYPE, entry.patients(), null);
    }

    /** The stored event with its id and meta; for a caller confined to some patients, only what concerns them. */
    private AuditEvent served(AccessContext access, AuditIndex.Entry entry) {
        AuditEvent event = fhir.newJsonParser().parseResource(AuditEvent.class, auditLog.read(entry));
        event.setId(new IdType(TYPE, String.valueOf(entry.seq()), "1"));
        event.getMeta().setVersionId("1").setLastUpdated(new Date(entry.time()));
        AccessContext.TypeRule rule = access.rule(TYPE);
        if (rule != null && rule.patients() != null) redact(event, rule.patients());
        return event;
    }

    /** Who (client and user), when, what was done and its outcome; nothing about other patients or the request's detail. */
    static void redact(AuditEvent event, Set<String> patients) {
        for (AuditEvent.AuditEventAgentComponent agent : event.getAgent()) {
            agent.setNetwork(null);
            agent.getPolicy().clear();
            agent.getExtension().clear();
        }
        event.getEntity().removeIf(entity -> !entity.getWhat().hasReference() || !patients.contains(entity.getWhat().getReference()));
    }

    /** A search's matches, paged by HAPI; its pages are served to the caller who searched and no other. */
    private final class Page extends SimpleBundleProvider {
        private final String owner;
        private final List<AuditIndex.Entry> entries;

        Page(AccessContext access, List<AuditIndex.Entry> entries) {
            super(entries.size());
            this.owner = owner(access);
            this.entries = entries;
        }

        private static String owner(AccessContext access) {
            return access.kind() + " " + access.clientId() + " " + access.tokenId();
        }

        @Override
        public List<IBaseResource> getResources(int from, int to, ResponsePage.ResponsePageBuilder page) {
            AccessContext access = Access.current();
            if (!owner.equals(owner(access))) throw new ResourceNotFoundException("no such search page");
            List<IBaseResource> out = new ArrayList<>();
            for (AuditIndex.Entry e : entries.subList(Math.min(from, entries.size()), Math.min(to, entries.size()))) {
                out.add(served(access, e));
            }
            return out;
        }

        @Override
        public boolean containsAllResources() {
            return false;
        }
    }

    @Create
    public MethodOutcome create(@ResourceParam AuditEvent resource, @ConditionalUrlParam String condition) {
        throw notWritable();
    }

    @Update
    public MethodOutcome update(@IdParam IdType id, @ResourceParam AuditEvent resource, @ConditionalUrlParam String condition) {
        throw notWritable();
    }

    @Patch
    public MethodOutcome patch(@IdParam IdType id, PatchTypeEnum type, @ResourceParam String body,
                               @ConditionalUrlParam String condition) {
        throw notWritable();
    }

    @Delete
    public MethodOutcome delete(@IdParam IdType id, @ConditionalUrlParam String condition) {
        throw notWritable();
    }

    /** 405 with an OperationOutcome: the audit log is written by the server alone. */
    public static MethodNotAllowedException notWritable() {
        String message = "AuditEvents are written by the server's audit log alone: they cannot be created, changed or deleted";
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(OperationOutcome.IssueType.NOTSUPPORTED)
                .setDiagnostics(message);
        return new MethodNotAllowedException(message, outcome);
    }

    /** Leaves HAPI's reading of the request (its interaction, an operation's name) where the audit filter finds it. */
    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public void noteOperation(RequestDetails request) {
        if (request instanceof ServletRequestDetails servlet && request.getRestOperationType() != null) {
            servlet.getServletRequest().setAttribute(Interaction.HAPI_OPERATION, request.getRestOperationType());
        }
    }

    /** HAPI calls a batch a transaction; its answer says which it was. */
    @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
    public boolean noteBatch(RequestDetails request, IBaseResource response) {
        if (request instanceof ServletRequestDetails servlet && response instanceof Bundle b && b.getType() == Bundle.BundleType.BATCHRESPONSE) {
            servlet.getServletRequest().setAttribute(Interaction.HAPI_OPERATION, RestOperationTypeEnum.BATCH);
        }
        return true;
    }

    /** The CapabilityStatement offers AuditEvent read and search only (the write methods exist to answer 405). */
    @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
    public void readOnly(org.hl7.fhir.instance.model.api.IBaseConformance statement) {
        if (!(statement instanceof CapabilityStatement cs)) return;
        for (CapabilityStatement.CapabilityStatementRestComponent rest : cs.getRest()) {
            for (CapabilityStatement.CapabilityStatementRestResourceComponent r : rest.getResource()) {
                if (TYPE.equals(r.getType())) {
                    r.getInteraction().removeIf(i -> i.getCode() != CapabilityStatement.TypeRestfulInteraction.READ
                            && i.getCode() != CapabilityStatement.TypeRestfulInteraction.SEARCHTYPE);
                    r.setConditionalCreate(false).setConditionalUpdate(false).setConditionalDelete(null);
                }
            }
        }
    }
}
