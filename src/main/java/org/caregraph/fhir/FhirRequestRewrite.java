package org.caregraph.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * What HAPI's plain server does not route by itself, brought to what it does, before it sees the request:
 * compartment search {@code Patient/[id]/[type]} becomes a search of that type in the patient's compartment, and
 * {@code Patient/[id]/*} a whole-system search in it (the compartment travels as a request attribute, so no client
 * parameter can set it); {@code HEAD} is answered as the {@code GET} it stands for, without the body.
 */
class FhirRequestRewrite extends OncePerRequestFilter {
    private static final String COMPARTMENT = FhirRequestRewrite.class.getName() + ".compartment";
    private static final Pattern COMPARTMENT_PATH = Pattern.compile("/Patient/([A-Za-z0-9\\-.]{1,64})/(\\*|[A-Z][A-Za-z]+)(/_search)?/?");

    private final FhirContext fhir;

    FhirRequestRewrite(FhirContext fhir) {
        this.fhir = fhir;
    }

    /** The patient key of a compartment search, or null. */
    static String compartment(RequestDetails request) {
        return request instanceof ServletRequestDetails s ? (String) s.getServletRequest().getAttribute(COMPARTMENT) : null;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        HttpServletRequest req = request;
        HttpServletResponse res = response;
        String path = request.getPathInfo();
        Matcher m = path == null ? null : COMPARTMENT_PATH.matcher(path);
        if (m != null && m.matches() && (m.group(2).equals("*") || fhir.getResourceTypes().contains(m.group(2)))) {
            request.setAttribute(COMPARTMENT, "Patient/" + m.group(1));
            String target = (m.group(2).equals("*") ? "" : "/" + m.group(2)) + (m.group(3) == null ? "" : "/_search");
            req = new Rewritten(req, target.isEmpty() && m.group(3) == null ? "" : target, null);
        }
        if ("POST".equals(request.getMethod()) && (path == null || path.equals("/"))) {
            Buffered body = new Buffered(req);
            // a document or collection Bundle POSTed to the base is stored as a Bundle resource (http.html#transaction)
            if (STORED_BUNDLE.matcher(body.head()).find()) req = new Rewritten(body, "/Bundle", null);
            else req = body;
        }
        if ("HEAD".equals(request.getMethod())) {
            req = new Rewritten(req, null, "GET");
            res = new Bodiless(response);
        }
        String accept = request.getHeader("Accept");
        String version = accept == null ? null : FhirResponses.parameter(accept, "fhirVersion");
        if (version != null) res = new VersionedContentType(res, version);
        chain.doFilter(req, res);
    }

    /** A client that names the FHIR version it accepts gets it named in Content-Type too (http.html#version-parameter). */
    private static final class VersionedContentType extends HttpServletResponseWrapper {
        private final String version;

        VersionedContentType(HttpServletResponse response, String version) {
            super(response);
            this.version = version;
        }

        private String versioned(String type) {
            return type == null || !type.contains("fhir") || type.contains("fhirVersion") ? type : type + "; fhirVersion=" + version;
        }

        @Override
        public void setContentType(String type) {
            super.setContentType(versioned(type));
        }

        @Override
        public void setHeader(String name, String value) {
            super.setHeader(name, "Content-Type".equalsIgnoreCase(name) ? versioned(value) : value);
        }

        @Override
        public void addHeader(String name, String value) {
            super.addHeader(name, "Content-Type".equalsIgnoreCase(name) ? versioned(value) : value);
        }
    }

    /** Bundle.type of a document or collection Bundle, in JSON or XML, near the start of the body. */
    private static final Pattern STORED_BUNDLE = Pattern.compile(
            "\"type\"\\s*:\\s*\"(document|collection)\"|<type\\s+value=\"(document|collection)\"");

    /** The request with its body read once and served again to whoever reads it next. */
    private static final class Buffered extends HttpServletRequestWrapper {
        private final byte[] body;

        Buffered(HttpServletRequest request) throws IOException {
            super(request);
            this.body = request.getInputStream().readAllBytes();
        }

        /** The top-level type of the Bundle, when it is one: its first 4 KB with nested resources' types possible. */
        String head() {
            String text = new String(body, 0, Math.min(body.length, 4096), java.nio.charset.StandardCharsets.UTF_8);
            return text.contains("\"Bundle\"") || text.contains("<Bundle") ? topLevelType(text) : "";
        }

        /** The text up to the first "entry": the Bundle's own fields, not its entries'. */
        private static String topLevelType(String text) {
            int entry = text.indexOf("\"entry\"");
            int xmlEntry = text.indexOf("<entry");
            int end = entry >= 0 ? entry : xmlEntry >= 0 ? xmlEntry : text.length();
            return text.substring(0, end);
        }

        @Override
        public jakarta.servlet.ServletInputStream getInputStream() {
            java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(body);
            return new jakarta.servlet.ServletInputStream() {
                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(jakarta.servlet.ReadListener listener) {
                }

                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }
            };
        }

        @Override
        public java.io.BufferedReader getReader() {
            return new java.io.BufferedReader(new java.io.InputStreamReader(getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** The request with another path under /fhir and/or method. */
    private static final class Rewritten extends HttpServletRequestWrapper {
        private final String pathInfo;
        private final String method;

        Rewritten(HttpServletRequest request, String pathInfo, String method) {
            super(request);
            this.pathInfo = pathInfo;
            this.method = method;
        }

        @Override
        public String getPathInfo() {
            return pathInfo != null ? pathInfo : super.getPathInfo();
        }

        @Override
        public String getRequestURI() {
            return pathInfo != null ? getContextPath() + getServletPath() + pathInfo : super.getRequestURI();
        }

        @Override
        public StringBuffer getRequestURL() {
            if (pathInfo == null) return super.getRequestURL();
            StringBuffer url = super.getRequestURL();
            return new StringBuffer(url.substring(0, url.length() - super.getRequestURI().length()) + getRequestURI());
        }

        @Override
        public String getMethod() {
            return method != null ? method : super.getMethod();
        }
    }

    /** A response whose headers are written and whose body is dropped (HEAD). */
    private static final class Bodiless extends HttpServletResponseWrapper {
        Bodiless(HttpServletResponse response) {
            super(response);
        }

        @Override
        public ServletOutputStream getOutputStream() {
            return new ServletOutputStream() {
                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setWriteListener(WriteListener listener) {
                }

                @Override
                public void write(int b) {
                }

                @Override
                public void write(byte[] b, int off, int len) {
                }
            };
        }

        @Override
        public PrintWriter getWriter() {
            return new PrintWriter(Writer.nullWriter());
        }
    }
}
