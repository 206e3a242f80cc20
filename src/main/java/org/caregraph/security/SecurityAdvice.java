package org.caregraph.security;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * The doors' refusals on the Spring MVC endpoints: a read that returned what the caller may not see (a defect) fails
 * closed with 500 and no body; a refused write is 404 (not visible) or 403.
 */
@RestControllerAdvice
class SecurityAdvice {
    private static final Logger log = LoggerFactory.getLogger(SecurityAdvice.class);

    @ExceptionHandler({AccessViolationException.class, Access.NoAccessContextException.class})
    ResponseEntity<Void> failClosed(RuntimeException e) {
        log.error("request refused after reading: {}", e.getMessage());
        return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).build();
    }

    record Refusal(String code, String message) {
    }

    @ExceptionHandler(WriteRefusedException.class)
    ResponseEntity<Refusal> refused(WriteRefusedException e) {
        return e.hidden() ? ResponseEntity.status(HttpStatus.NOT_FOUND).body(new Refusal("NOT_FOUND", "not found"))
                : ResponseEntity.status(HttpStatus.FORBIDDEN).body(new Refusal("FORBIDDEN", e.getMessage()));
    }
}
