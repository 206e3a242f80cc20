package org.caregraph.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.ResponseDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * What FHIR's http page asks of every answer beyond HAPI's own: 415 for a body in a format that is not read, 406 for
 * a format that is not served ({@code _format} or an {@code Accept} naming none of JSON and XML, or another FHIR
 * version than R4), an {@code ETag} on the
 * CapabilityStatement, and {@code first} and {@code last} paging links on searchsets.
 */
@Interceptor
public class FhirResponses {
    /** The formats served: HAPI's JSON and XML, by _format or MIME type (and HAPI's browser view, text/html). */
    private static final Set<String> FORMATS = Set.of("json", "xml", "html", "application/fhir+json", "application/json",
            "application/json+fhir", "application/fhir+xml", "application/xml", "application/xml+fhir", "text/xml",
            "text/json", "text/html", "text/xml+fhir");
    /** The bodies read: FHIR JSON and XML, the patch formats (XML Patch is then refused as such), forms (_search). */
    private static final Set<String> BODIES = Set.of("application/fhir+json", "application/json", "application/json+fhir",
            "application/fhir+xml", "application/xml", "application/xml+fhir", "text/xml", "application/json-patch+json",
            "application/xml-patch+xml", "application/x-www-form-urlencoded");
    /** Operations that negotiate their own formats. */
    private static final List<String> OWN_FORMATS = List.of("$export", "$viewdefinition-run", "$sqlquery-run", "$sql-run");
    /** A Binary read (or vread): with an Accept that is not FHIR it answers the raw content (R4 Binary), so no 406. */
    private static final java.util.regex.Pattern BINARY_READ = java.util.regex.Pattern.compile("/Binary/[A-Za-z0-9.-]{1,64}(/_history/[A-Za-z0-9.-]{1,64})?$");
    /** Accept entries that leave the choice to the server. */
    private static final Set<String> ANY = Set.of("*/*", "application/*", "text/*");

    private final FhirContext fhir;

    public FhirResponses(FhirContext fhir) {
        this.fhir = fhir;
    }

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_PROCESSED)
    public boolean negotiate(HttpServletRequest request, HttpServletResponse response) {
        // Bulk Data kick-offs answer a wrong Accept themselves (400, as their specification says); the SQL on FHIR
        // run operations answer in the formats they declare (CSV, NDJSON, Parquet) and refuse the others themselves
        String uri = request.getRequestURI();
        if (OWN_FORMATS.stream().anyMatch(uri::contains)) return true;
        // e.g. an exported DocumentReference's attachment URL, dereferenced in the attachment's own content type
        if ("GET".equals(request.getMethod()) && BINARY_READ.matcher(uri).find()) return true;
        String contentType = request.getContentType();
        if (contentType != null && request.getContentLengthLong() != 0 && !BODIES.contains(mime(contentType))) {
            throw status(415, "Content-Type '" + contentType + "' is not a FHIR format this server reads "
                    + "(application/fhir+json, application/fhir+xml, a JSON Patch, or a form for _search)");
        }
        String format;
        try {
            format = request.getParameter(Constants.PARAM_FORMAT);
        } catch (IllegalStateException e) {
            // Tomcat's InvalidParameterException quotes the chunk it cannot read, i.e. a search value (PHI): HAPI would
            // log it at ERROR with its stack trace and go on. Refused here, named without the value.
            throw invalid("the query string has a part that is not a parameter (a value without a name, or a broken "
                    + "%-encoding); nothing was searched");
        }
        if (format != null && !FORMATS.contains(mime(format))) {
            throw notAcceptable("_format '" + format + "' is not served: json or xml");
        }
        String accept = request.getHeader("Accept");
        if (format == null && accept != null && !accept.isBlank()) {
            boolean acceptable = false;
            for (String range : accept.split(",")) {
                String mime = mime(range);
                String version = parameter(range, "fhirversion");
                if (version != null && !version.startsWith("4.0")) continue;
                if (FORMATS.contains(mime) || ANY.contains(mime)) acceptable = true;
            }
            if (!acceptable) throw notAcceptable("Accept '" + accept + "' names no format this server serves (FHIR R4 as "
                    + "application/fhir+json or application/fhir+xml)");
        }
        return true;
    }

    private static String mime(String range) {
        return range.split(";")[0].strip().toLowerCase(Locale.ROOT);
    }

    /** A MIME parameter's value ({@code fhirVersion=4.0}), or null. */
    static String parameter(String range, String name) {
        String[] parts = range.split(";");
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            if (kv.length == 2 && kv[0].strip().equalsIgnoreCase(name)) return kv[1].strip().replace("\"", "");
        }
        return null;
    }

    private static BaseServerResponseException invalid(String message) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(OperationOutcome.IssueType.INVALID)
                .setDiagnostics(message);
        return new ca.uhn.fhir.rest.server.exceptions.InvalidRequestException(message, outcome);
    }

    private static BaseServerResponseException notAcceptable(String message) {
        return status(406, message);
    }

    private static BaseServerResponseException status(int status, String message) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(OperationOutcome.IssueType.NOTSUPPORTED)
                .setDiagnostics(message);
        BaseServerResponseException e = BaseServerResponseException.newInstance(status, message);
        e.setOperationOutcome(outcome);
        return e;
    }

    @Hook(Pointcut.SERVER_OUTGOING_RESPONSE)
    public boolean outgoing(RequestDetails request, ResponseDetails details, HttpServletResponse response) {
        RestOperationTypeEnum op = request.getRestOperationType();
        if (op == RestOperationTypeEnum.METADATA && details.getResponseResource() != null) {
            response.setHeader("ETag", "W/\"" + hash(fhir.newJsonParser().encodeResourceToString(details.getResponseResource())) + "\"");
        }
        if (details.getResponseResource() instanceof Bundle b && b.getType() == Bundle.BundleType.SEARCHSET) pagingLinks(b);
        return true;
    }

    /**
     * {@code first} and {@code last} beside HAPI's {@code self}, {@code next} and {@code previous}: a page link with
     * offset 0, and with the last page's offset when the total is known; a single page is its own first and last.
     */
    static void pagingLinks(Bundle bundle) {
        if (bundle.getLink("first") != null) return;
        Bundle.BundleLinkComponent page = bundle.getLink(Bundle.LINK_NEXT) != null ? bundle.getLink(Bundle.LINK_NEXT)
                : bundle.getLink(Bundle.LINK_PREV) != null ? bundle.getLink(Bundle.LINK_PREV) : bundle.getLink("previous");
        Bundle.BundleLinkComponent self = bundle.getLink(Bundle.LINK_SELF);
        if (page == null) {
            if (self == null) return;
            bundle.addLink().setRelation("first").setUrl(self.getUrl());
            bundle.addLink().setRelation("last").setUrl(self.getUrl());
            return;
        }
        UriComponentsBuilder url = UriComponentsBuilder.fromUriString(page.getUrl());
        var query = url.build().getQueryParams();
        String count = query.getFirst(Constants.PARAM_COUNT);
        if (query.getFirst(Constants.PARAM_PAGINGOFFSET) == null) return; // not a paging-provider link
        bundle.addLink().setRelation("first").setUrl(url.cloneBuilder().replaceQueryParam(Constants.PARAM_PAGINGOFFSET, 0).build().toUriString());
        if (bundle.hasTotal() && count != null) {
            int size = Integer.parseInt(count);
            int last = size <= 0 ? 0 : Math.max(0, (bundle.getTotal() - 1) / size * size);
            bundle.addLink().setRelation("last").setUrl(url.cloneBuilder().replaceQueryParam(Constants.PARAM_PAGINGOFFSET, last).build().toUriString());
        }
    }

    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
