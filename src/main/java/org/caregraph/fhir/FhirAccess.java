package org.caregraph.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.caregraph.security.Access;
import org.caregraph.security.AccessContext;
import org.caregraph.security.AccessViolationException;
import org.caregraph.security.SmartScope.Action;
import org.caregraph.security.WriteRefusedException;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SMART resource scopes on the FHIR API, per interaction: read, vread and instance history need {@code r} on the type,
 * searches and type history {@code s}, create {@code c}, update {@code u} (or {@code c} when it creates: the writer
 * decides which), patch {@code u}, delete {@code d}; operations {@code r} on their type, {@code $meta-add} and
 * {@code $meta-delete} {@code u}, {@code $lastn} {@code s}; a whole-system or compartment search each searched type's
 * rows by its own scope; without it, 403. What the type's scope reaches (a patient's
 * compartment, a category) is then confined inside the queries: an instance outside it is 404. Transactions and
 * batches are checked entry by entry where each entry is read or written. Refusals from the doors become FHIR answers
 * here: a write to something not visible is 404, a forbidden write 403, and a read that returned what the caller may
 * not see (a defect) fails closed with 500 and no body.
 */
@Interceptor
public class FhirAccess {
    private static final Logger log = LoggerFactory.getLogger(FhirAccess.class);

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public void checkScopes(RequestDetails request) {
        RestOperationTypeEnum op = request.getRestOperationType();
        if (op == null || op == RestOperationTypeEnum.METADATA) return;
        AccessContext access = Access.current();
        String type = request.getResourceName();
        switch (op) {
            case READ, VREAD, HISTORY_INSTANCE -> require(access, type, Action.READ);
            case SEARCH_TYPE, HISTORY_TYPE -> {
                // a search at the root is a whole-system search: each type's rows are confined by its own scope
                if (type != null || op == RestOperationTypeEnum.HISTORY_TYPE) require(access, type, Action.SEARCH);
            }
            case CREATE -> require(access, type, Action.CREATE);
            case UPDATE -> {
                if (!access.allows(type, Action.UPDATE)) require(access, type, Action.CREATE);
            }
            case PATCH -> require(access, type, Action.UPDATE);
            case DELETE -> require(access, type, Action.DELETE);
            // across types: each type's rows are confined by its own scope inside the query
            case SEARCH_SYSTEM, HISTORY_SYSTEM, TRANSACTION, BATCH, GET_PAGE -> { }
            // operations: on an instance or type they read it (the operation's own code checks more, e.g. $export),
            // except those that write ($meta-add, $meta-delete: an update) or search ($lastn)
            case EXTENDED_OPERATION_INSTANCE, EXTENDED_OPERATION_TYPE, VALIDATE, META, META_ADD, META_DELETE ->
                    require(access, type, operationAction(request.getOperation()));
            case EXTENDED_OPERATION_SERVER -> { }
            default -> throw forbidden("this interaction is not offered to tokens");
        }
    }

    /** The scope action an operation needs on its type. */
    static Action operationAction(String operation) {
        return switch (operation == null ? "" : operation) {
            case "$meta-add", "$meta-delete" -> Action.UPDATE;
            case "$lastn" -> Action.SEARCH;
            default -> Action.READ;
        };
    }

    private static void require(AccessContext access, String type, Action action) {
        if (type == null || !access.allows(type, action)) {
            throw forbidden("the token's scopes do not allow " + action.name().toLowerCase() + (type == null ? "" : " on " + type));
        }
    }

    /** 403 with an OperationOutcome whose issue code says so (HAPI's own says "processing"). */
    public static ForbiddenOperationException forbidden(String message) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(OperationOutcome.IssueType.FORBIDDEN)
                .setDiagnostics(message);
        return new ForbiddenOperationException(message, outcome);
    }

    /** The doors' refusals as FHIR answers. */
    @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
    public BaseServerResponseException translate(RequestDetails request, Throwable cause) {
        Throwable t = cause;
        while (t != null && !(t instanceof WriteRefusedException) && !(t instanceof AccessViolationException)) t = t.getCause();
        if (t instanceof WriteRefusedException refused) {
            return refused.hidden() ? new ResourceNotFoundException(refused.getMessage())
                    : forbidden(refused.getMessage());
        }
        return null;
    }

    /** A read that returned what it should not: 500 with no body (the cause is logged without data). */
    @Hook(Pointcut.SERVER_HANDLE_EXCEPTION)
    public boolean failClosed(RequestDetails request, HttpServletResponse response, BaseServerResponseException e)
            throws IOException {
        Throwable t = e;
        while (t != null && !(t instanceof AccessViolationException) && !(t instanceof Access.NoAccessContextException)) {
            t = t.getCause();
        }
        if (t == null) return true;
        log.error("FHIR request refused after reading: {}", t.getMessage());
        response.reset();
        response.setStatus(500);
        response.setContentLength(0);
        response.flushBuffer();
        return false;
    }
}
