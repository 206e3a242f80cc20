package org.caregraph.security;

/**
 * A query returned something the caller may not see, or resource content without what the check needs (its type and
 * compartments): the door's last check failed. A defect, never a normal answer: the request fails with 500 and no
 * body, and the audit log records it.
 */
public final class AccessViolationException extends RuntimeException {
    public AccessViolationException(String message) {
        super(message);
    }
}
