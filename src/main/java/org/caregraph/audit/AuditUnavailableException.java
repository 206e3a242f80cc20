package org.caregraph.audit;

/** An audit record could not be made durable: the request it records must not return its data (503). */
public class AuditUnavailableException extends RuntimeException {
    public AuditUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
