package org.caregraph.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.regex.Pattern;
import org.apache.tomcat.util.http.InvalidParameterException;

/**
 * Requests HAPI cannot read, answered as what they are: 400, not 500. Found by {@code ApiFuzzProperties}: HAPI lets
 * malformed input escape as internal errors — query parameters whose names collide once decoded
 * ({@code RequestDetails.setParameters} collects them into a map that refuses duplicates), a body whose resourceType
 * is blank (the parser's own argument check), a query string Tomcat cannot parse, or with an element named "" (an index out of bounds in its JSON
 * parser) — and its parse errors quote the JDK exception behind them
 * ("java.lang.NumberFormatException: For input string ..."), which is the implementation's business, not the caller's.
 */
public class UnreadableRequests {
    private static final Pattern JDK_EXCEPTION = Pattern.compile("\\bjava\\.[a-z.]+\\.[A-Z]\\w*(Exception|Error):\\s*");

    @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
    public BaseServerResponseException translate(Throwable cause) {
        if (cause instanceof BaseServerResponseException e) {
            String message = e.getMessage();
            if (e.getStatusCode() != 400 || message == null || !JDK_EXCEPTION.matcher(message).find()) return null;
            return new InvalidRequestException(JDK_EXCEPTION.matcher(message).replaceAll(""));
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            // Tomcat's refusal of a query string it cannot parse (a parameter without a name: "?=x")
            if (t instanceof InvalidParameterException || t instanceof RuntimeException
                    && !(t instanceof BaseServerResponseException) && readingRequest(t)) {
                return new InvalidRequestException("The request could not be read: check its parameters' names and its"
                        + " body's resourceType");
            }
        }
        return null;
    }

    /** Thrown while HAPI parsed the body or collected the query parameters (not by the server's own code). */
    private static boolean readingRequest(Throwable t) {
        for (StackTraceElement f : t.getStackTrace()) {
            String c = f.getClassName();
            if (c.startsWith("org.caregraph.")) return false;
            if (c.startsWith("ca.uhn.fhir.parser.")) return true;
            if (c.equals("ca.uhn.fhir.rest.api.server.RequestDetails") && f.getMethodName().equals("setParameters")) return true;
        }
        return false;
    }
}
