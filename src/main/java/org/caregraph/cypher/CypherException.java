package org.caregraph.cypher;

import org.springframework.http.HttpStatus;

/** A request the endpoint refuses or a query the database stopped: answered as {@code {code, message}} with status. */
class CypherException extends RuntimeException {
    private final HttpStatus status;
    private final String code;

    CypherException(HttpStatus status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    HttpStatus status() {
        return status;
    }

    String code() {
        return code;
    }

    static CypherException badRequest(String message) {
        return new CypherException(HttpStatus.BAD_REQUEST, "BAD_REQUEST", message);
    }

    /** 403: the query is understood and valid Cypher, but this endpoint's policy forbids it; resending will not help. */
    static CypherException rejected(String message) {
        return new CypherException(HttpStatus.FORBIDDEN, "WRITE_REJECTED", message);
    }
}
