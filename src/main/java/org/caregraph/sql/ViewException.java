package org.caregraph.sql;

/**
 * A ViewDefinition that cannot be compiled, or a row it cannot produce: the message says why, {@code element} names
 * where in the ViewDefinition (its FHIRPath, {@code ViewDefinition.select[0].column[1].path}), for an
 * OperationOutcome's issue expression.
 */
public class ViewException extends RuntimeException {
    private final String element;

    public ViewException(String message, String element) {
        super(element == null ? message : element + ": " + message);
        this.element = element;
    }

    public String element() {
        return element;
    }
}
