package org.caregraph.ops;

import io.micrometer.common.KeyValue;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.http.server.observation.DefaultServerRequestObservationConvention;
import org.springframework.http.server.observation.ServerRequestObservationContext;

/**
 * The {@code uri} tag of {@code http.server.requests}: Spring MVC's path pattern where there is one, else, for the FHIR
 * server (a plain servlet Spring MVC does not route, tagged {@code UNKNOWN} by default), a route made from the path's
 * shape: {@code /fhir/Patient/{id}/$everything}, {@code /fhir/Observation}, {@code /fhir/Patient/{id}/_history/{vid}}.
 * Ids never become tags (they are patient data and without bound); resource types and operations do only when they
 * are real ones, so a client cannot grow the number of time series by inventing paths.
 */
public class HttpRoutes extends DefaultServerRequestObservationConvention {
    private static final String FHIR = "/fhir";
    private static final Pattern RESOURCE_TYPE = Pattern.compile("[A-Z][A-Za-z]{1,63}");
    private final Set<String> resourceTypes;
    private final Set<String> operations;

    /**
     * @param resourceTypes the FHIR resource types the server knows
     * @param operations    the operations it serves, with their {@code $}
     */
    public HttpRoutes(Set<String> resourceTypes, Set<String> operations) {
        this.resourceTypes = Set.copyOf(resourceTypes);
        this.operations = Set.copyOf(operations);
    }

    @Override
    protected KeyValue uri(ServerRequestObservationContext context) {
        if (context.getPathPattern() == null && context.getCarrier() != null) {
            String path = context.getCarrier().getRequestURI().substring(context.getCarrier().getContextPath().length());
            if (path.equals(FHIR) || path.startsWith(FHIR + "/")) return KeyValue.of("uri", fhirRoute(path.substring(FHIR.length())));
        }
        return super.uri(context);
    }

    /** The route of a path below /fhir (which starts with '/' or is empty). */
    String fhirRoute(String rest) {
        String[] s = rest.isEmpty() || rest.equals("/") ? new String[0] : rest.substring(1).split("/", -1);
        StringBuilder route = new StringBuilder(FHIR);
        for (int i = 0; i < s.length; i++) {
            String part = s[i];
            String shape;
            if (part.startsWith("$")) shape = operations.contains(part) ? part : "{operation}";
            else if (i == 0) shape = part.equals("metadata") || part.equals("_history") ? part : type(part);
            else if (part.equals("_history") || part.equals("_search")) shape = part;
            else if (i == 1) shape = "{id}";
            else if (i == 3 && s[2].equals("_history")) shape = "{vid}";
            else shape = "{segment}";
            route.append('/').append(shape);
            if (i >= 4) break; // no FHIR interaction is deeper: the rest is one bounded tag
        }
        return route.toString();
    }

    private String type(String part) {
        return RESOURCE_TYPE.matcher(part).matches() && resourceTypes.contains(part) ? part : "{type}";
    }
}
