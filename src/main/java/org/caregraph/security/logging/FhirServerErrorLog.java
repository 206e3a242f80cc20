package org.caregraph.security.logging;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs FHIR server errors (5xx) by interaction and resource type with their stack trace, in place of HAPI's own
 * ExceptionHandlingInterceptor log, which puts each exception's message into the log line (4xx at WARN, 5xx at
 * ERROR) and is turned off in application.properties. A refused request (4xx) is the client's to read in its
 * OperationOutcome, not the log's.
 */
@Interceptor
public class FhirServerErrorLog {
    private static final Logger log = LoggerFactory.getLogger(FhirServerErrorLog.class);

    /** Before HAPI's handler (order 0), which ends the chain once it has written the OperationOutcome. */
    @Hook(value = Pointcut.SERVER_HANDLE_EXCEPTION, order = -1)
    public boolean serverError(RequestDetails request, BaseServerResponseException e) {
        if (e.getStatusCode() >= 500) {
            String interaction = request.getRestOperationType() == null ? "request" : request.getRestOperationType().getCode();
            String type = request.getResourceName() == null ? "" : " on " + request.getResourceName();
            log.error("FHIR {}{} failed with {}", interaction, type, e.getStatusCode(), e);
        }
        return true;
    }
}
