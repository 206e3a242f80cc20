package org.caregraph.graphql;

/**
 * A request the analytics API refuses, with the machine-readable {@code code} that clients branch on (sent as the
 * error's {@code extensions.code}): BAD_CRITERIA, NOT_FOUND, BAD_ARGUMENT...
 */
public class GraphQlRequestException extends RuntimeException {
    private final String code;

    public GraphQlRequestException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
