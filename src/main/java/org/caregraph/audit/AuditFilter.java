package org.caregraph.audit;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.time.Instant;
import org.caregraph.security.Access;
import org.caregraph.security.AccessContext;
import org.caregraph.security.SecurityErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingRequestWrapper;
import org.springframework.web.util.ContentCachingResponseWrapper;

/**
 * Records every request on a PHI-bearing path ({@link Interaction#of}) before its answer leaves: the answer is held
 * in a buffer while the request runs, its AuditEvent is appended to the log (durably), and only then is the body sent.
 * If the record cannot be written the client gets 503 with an error of the API's shape and none of the data. Runs
 * inside Spring Security's chain, before authentication, so refusals (401, 403) are recorded too, and after the rest
 * of the chain so it knows the caller, the status and the patients the request touched. An asynchronous request (GraphQL)
 * is recorded when its async dispatch ends. A Bulk Data file download is not buffered: it is recorded before its first
 * byte, and refused with 503 before any byte when that fails.
 */
final class AuditFilter extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(AuditFilter.class);
    private static final String STATE = AuditFilter.class.getName() + ".state";
    /** how much of a query body (GraphQL, Cypher, SQL, import inputs) the record keeps */
    static final int QUERY_LIMIT = 64 * 1024;

    private final AuditTrail trail;

    AuditFilter(AuditTrail trail) {
        this.trail = trail;
    }

    /** A buffered request between its dispatches. */
    private record State(Interaction interaction, Instant start, ContentCachingRequestWrapper body,
                         ContentCachingResponseWrapper answer, AccessContext[] access) {
    }

    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return false;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getAttribute(STATE) instanceof State state) { // the async dispatch of a request begun below
            Throwable failure = run(chain, request, response);
            if (!request.isAsyncStarted()) finish(request, state, failure);
            return;
        }
        Interaction interaction = trail.enabled() ? Interaction.of(request.getMethod(), path(request), null) : null;
        if (interaction == null) {
            chain.doFilter(request, response);
            return;
        }
        if (interaction.streamed()) {
            streamed(request, response, chain, interaction);
            return;
        }
        ContentCachingRequestWrapper body = interaction.bodyQuery() ? new ContentCachingRequestWrapper(request, QUERY_LIMIT) : null;
        State state = new State(interaction, Instant.now(), body, new ContentCachingResponseWrapper(response), new AccessContext[1]);
        request.setAttribute(STATE, state);
        Throwable failure = run(chain, body != null ? body : request, state.answer());
        if (failure == null && request.isAsyncStarted()) {
            // the context is in place now; the async dispatch may find it only through the security repository
            state.access()[0] = Access.currentOrNull();
            return;
        }
        finish(request, state, failure);
    }

    private static Throwable run(FilterChain chain, HttpServletRequest request, HttpServletResponse response) {
        try {
            chain.doFilter(request, response);
            return null;
        } catch (IOException | ServletException | RuntimeException e) {
            return e;
        }
    }

    /** Records the request, then sends the buffered answer, or 503 without it. */
    private void finish(HttpServletRequest request, State state, Throwable failure) throws IOException, ServletException {
        ContentCachingResponseWrapper answer = state.answer();
        int status = failure != null ? 500 : answer.getStatus();
        try {
            trail.record(facts(request, state.interaction(), state.start(), status, state.access()[0],
                    state.body() == null ? null : state.body().getContentAsString(), answer.getHeader("Location"), false));
        } catch (AuditUnavailableException e) {
            refuse(request, (HttpServletResponse) answer.getResponse(), e);
            return;
        }
        rethrow(failure);
        answer.copyBodyToResponse();
    }

    /**
     * A download: the answer streams through a gate that records the request before the first byte passes; if that
     * fails nothing passes and the answer becomes 503. An answer without a body is recorded when it ends.
     */
    private void streamed(HttpServletRequest request, HttpServletResponse response, FilterChain chain, Interaction interaction)
            throws IOException, ServletException {
        Instant start = Instant.now();
        Gate gate = new Gate(response, status -> trail.record(facts(request, interaction, start, status, null, null, null, true)));
        Throwable failure = run(chain, request, gate);
        if (!gate.passed && !gate.refused) {
            try {
                trail.record(facts(request, interaction, start, failure != null ? 500 : response.getStatus(), null, null, null, false));
            } catch (AuditUnavailableException e) {
                gate.refused = true;
                gate.failure = e;
            }
        }
        if (gate.refused) {
            refuse(request, response, gate.failure);
            return;
        }
        rethrow(failure);
    }

    private AuditEvents.Facts facts(HttpServletRequest request, Interaction interaction, Instant start, int status,
                                    AccessContext captured, String body, String location, boolean streamedStart) {
        if (request.getAttribute(Interaction.HAPI_OPERATION) instanceof RestOperationTypeEnum op) {
            interaction = Interaction.of(request.getMethod(), path(request), op);
        }
        AccessContext access = Access.currentOrNull();
        String server = request.getScheme() + "://" + request.getLocalAddr() + ":" + request.getLocalPort();
        return new AuditEvents.Facts(interaction, request.getQueryString(), body, request.getRemoteAddr(), server, start,
                Instant.now(), status, access != null ? access : captured, location, request.getHeader("X-Request-Id"), streamedStart);
    }

    /** 503 of the API's shape, and nothing of the answer: its record could not be written. */
    private static void refuse(HttpServletRequest request, HttpServletResponse response, AuditUnavailableException e) throws IOException {
        // never the record: it holds PHI
        log.error("request refused with 503: its audit record could not be written ({})",
                e.getCause() != null ? e.getCause().getClass().getSimpleName() : e.getMessage());
        if (response.isCommitted()) return; // an error page (sendError) is on its way: it holds no data
        response.reset();
        SecurityErrors.write(request, response, HttpServletResponse.SC_SERVICE_UNAVAILABLE, null, "AUDIT_UNAVAILABLE",
                "the request could not be recorded in the audit log, so nothing was returned; try again later");
    }

    private static void rethrow(Throwable failure) throws IOException, ServletException {
        if (failure instanceof IOException e) throw e;
        if (failure instanceof ServletException e) throw e;
        if (failure instanceof RuntimeException e) throw e;
    }

    private static String path(HttpServletRequest request) {
        return request.getRequestURI().substring(request.getContextPath().length());
    }

    private interface Recorder {
        void record(int status);
    }

    /** Lets a streamed answer's bytes through only once its record is written (see {@link #streamed}). */
    private static final class Gate extends HttpServletResponseWrapper {
        private final Recorder recorder;
        boolean passed;
        boolean refused;
        AuditUnavailableException failure;
        private ServletOutputStream stream;
        private PrintWriter writer;

        Gate(HttpServletResponse response, Recorder recorder) {
            super(response);
            this.recorder = recorder;
        }

        /** Whether bytes may pass: the first call records the request. */
        private boolean open() {
            if (!passed && !refused) {
                try {
                    recorder.record(getStatus());
                    passed = true;
                } catch (AuditUnavailableException e) {
                    refused = true;
                    failure = e;
                }
            }
            return passed;
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            if (stream == null) {
                ServletOutputStream real = super.getOutputStream();
                stream = new ServletOutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        if (open()) real.write(b);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        if (open()) real.write(b, off, len);
                    }

                    @Override
                    public void flush() throws IOException {
                        if (open()) real.flush();
                    }

                    @Override
                    public boolean isReady() {
                        return real.isReady();
                    }

                    @Override
                    public void setWriteListener(WriteListener listener) {
                        real.setWriteListener(listener);
                    }
                };
            }
            return stream;
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            if (writer == null) {
                writer = new PrintWriter(new OutputStreamWriter(getOutputStream(), Charset.forName(getCharacterEncoding())));
            }
            return writer;
        }

        @Override
        public void flushBuffer() throws IOException {
            if (open()) super.flushBuffer();
        }
    }
}
