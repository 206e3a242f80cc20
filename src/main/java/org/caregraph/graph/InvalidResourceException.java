package org.caregraph.graph;

/**
 * A resource that cannot be stored, with what an OperationOutcome issue needs: the FHIR issue-type {@code code}
 * (structure, required, not-supported, not-found, invalid, ...), a human-readable diagnostic and, where known, the
 * FHIRPath of the offending element.
 */
public class InvalidResourceException extends RuntimeException {
    private final String code;
    private final String expression;

    public InvalidResourceException(String code, String diagnostics, String expression) {
        super(diagnostics);
        this.code = code;
        this.expression = expression;
    }

    public String code() {
        return code;
    }

    public String expression() {
        return expression;
    }
}
