package org.caregraph.ops;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.MDC;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives every request an id: the caller's {@code X-Request-Id} when it is a plain token (a proxy's or a client's own
 * correlation id), else a new UUID. It is in the MDC for every log line written while the request runs and is sent
 * back in the response's {@code X-Request-Id}, so an operator can find the log lines of a request a user reports. A
 * caller's value is never logged unchecked: anything else than 1 to 64 letters, digits, '.', '_' or '-' is replaced,
 * so a header cannot smuggle data or forged lines into the log. Later readers of the header (HAPI's RestfulServer,
 * which otherwise makes and sends an id of its own, and the audit log) see the same id, and it is sent once.
 */
public class RequestIdFilter extends OncePerRequestFilter {
    public static final String HEADER = "X-Request-Id";
    public static final String MDC_KEY = "requestId";
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String id = (String) request.getAttribute(MDC_KEY);
        if (id == null) {
            String given = request.getHeader(HEADER);
            id = given != null && SAFE.matcher(given).matches() ? given : UUID.randomUUID().toString();
            request.setAttribute(MDC_KEY, id);
            response.setHeader(HEADER, id);
        }
        MDC.put(MDC_KEY, id);
        try {
            chain.doFilter(new WithId(request, id), new SentOnce(response));
        } finally {
            MDC.remove(MDC_KEY);
        }
    }

    /** The request as later filters and servlets see it: its id in {@code X-Request-Id}, whatever the caller sent. */
    private static final class WithId extends HttpServletRequestWrapper {
        private final String id;

        WithId(HttpServletRequest request, String id) {
            super(request);
            this.id = id;
        }

        @Override
        public String getHeader(String name) {
            return HEADER.equalsIgnoreCase(name) ? id : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return HEADER.equalsIgnoreCase(name) ? Collections.enumeration(List.of(id)) : super.getHeaders(name);
        }
    }

    /** The response, where the id set above is not added again (HAPI adds the request id it was given). */
    private static final class SentOnce extends HttpServletResponseWrapper {
        SentOnce(HttpServletResponse response) {
            super(response);
        }

        @Override
        public void addHeader(String name, String value) {
            if (HEADER.equalsIgnoreCase(name) && containsHeader(HEADER)) return;
            super.addHeader(name, value);
        }

        @Override
        public void setHeader(String name, String value) {
            if (HEADER.equalsIgnoreCase(name) && containsHeader(HEADER)) return;
            super.setHeader(name, value);
        }
    }

    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return false; // an async dispatch logs too: it keeps the id of its request
    }
}
