package org.caregraph.sql;

import org.springframework.http.HttpStatus;

/** A statement the store refuses or could not run: answered as {@code {code, message}} with its HTTP status. */
public class SqlException extends RuntimeException {
    private final HttpStatus status;
    private final String code;

    SqlException(HttpStatus status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }

    static SqlException badRequest(String message) {
        return new SqlException(HttpStatus.BAD_REQUEST, "BAD_REQUEST", message);
    }

    /** 403: valid SQL that this store's policy forbids (not a single SELECT over its tables); resending will not help. */
    static SqlException rejected(String message) {
        return new SqlException(HttpStatus.FORBIDDEN, "REJECTED", message);
    }

    static SqlException unavailable(String message) {
        return new SqlException(HttpStatus.SERVICE_UNAVAILABLE, "UNAVAILABLE", message);
    }
}
