package org.caregraph.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.stereotype.Component;

/**
 * How a refused request is answered, in the shape of the API it asked: a FHIR OperationOutcome under /fhir, a GraphQL
 * error with {@code extensions.code} on /graphql, JSON {@code {code, message}} elsewhere; 401 carries
 * {@code WWW-Authenticate: Bearer} (RFC 6750, with {@code error="invalid_token"} when a token was sent but refused),
 * 403 {@code error="insufficient_scope"}. Messages never name what was asked for.
 */
@Component
public class SecurityErrors implements AuthenticationEntryPoint, AccessDeniedHandler {

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e) throws IOException {
        boolean invalid = e instanceof InvalidBearerTokenException || request.getHeader("Authorization") != null;
        String challenge = invalid ? "Bearer error=\"invalid_token\", error_description=\"the access token is not valid\"" : "Bearer";
        write(request, response, HttpServletResponse.SC_UNAUTHORIZED, challenge, "UNAUTHENTICATED",
                invalid ? "the access token is not valid (expired, not signed by a trusted issuer, or malformed)"
                        : "a bearer access token is required");
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e) throws IOException {
        write(request, response, HttpServletResponse.SC_FORBIDDEN, "Bearer error=\"insufficient_scope\"", "FORBIDDEN",
                "the access token's scopes do not allow this request");
    }

    /** Writes a refusal: {@code code} UNAUTHENTICATED or FORBIDDEN (or another code for 503 and 500). */
    public static void write(HttpServletRequest request, HttpServletResponse response, int status, String challenge,
                             String code, String message) throws IOException {
        if (response.isCommitted()) return;
        response.resetBuffer();
        response.setStatus(status);
        if (challenge != null) response.setHeader("WWW-Authenticate", challenge);
        response.setHeader("Cache-Control", "no-store");
        String path = request.getRequestURI().substring(request.getContextPath().length());
        String body;
        if (path.equals("/fhir") || path.startsWith("/fhir/")) {
            response.setContentType("application/fhir+json;charset=UTF-8");
            String issue = switch (status) {
                case 401 -> "login";
                case 403 -> "forbidden";
                case 503 -> "transient";
                default -> "exception";
            };
            body = "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"" + issue
                    + "\",\"details\":{\"text\":\"" + code + "\"},\"diagnostics\":\"" + message + "\"}]}";
        } else if (path.equals("/graphql")) {
            response.setContentType("application/graphql-response+json;charset=UTF-8");
            body = "{\"errors\":[{\"message\":\"" + message + "\",\"extensions\":{\"code\":\"" + code + "\"}}]}";
        } else {
            response.setContentType("application/json;charset=UTF-8");
            body = "{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}";
        }
        response.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
        response.flushBuffer();
    }
}
