package org.caregraph.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.method.BaseMethodBinding;
import ca.uhn.fhir.rest.server.method.OperationMethodBinding;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpMethod;
import org.springframework.util.AntPathMatcher;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.function.RequestPredicates;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.support.RouterFunctionMapping;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.RequestMappingInfoHandlerMapping;

/**
 * Secure by default, for every endpoint there is and every one added later: the test walks every Spring MVC handler
 * (controllers, actuator endpoints, router functions such as GraphQL's) and every operation bound in HAPI's server, calls
 * each without a token, and fails on any that answers with anything but 401 — except the declared public paths
 * (SecurityConfig.PUBLIC_PATHS and the CapabilityStatement). A bad token is refused alike, and each API refuses in its
 * own shape.
 */
class SecureByDefaultTest extends GraphTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final AntPathMatcher paths = new AntPathMatcher();
    @Autowired private ApplicationContext context;

    record Endpoint(String method, String path) {
    }

    private boolean isPublic(Endpoint e) {
        if (e.method().equals("GET") && e.path().equals("/fhir/metadata")) return true;
        return SecurityConfig.PUBLIC_PATHS.stream().anyMatch(p -> paths.match(p, e.path()));
    }

    /** Every Spring handler: request mappings (controllers, actuator) and router functions (GraphQL). */
    private Set<Endpoint> springEndpoints() {
        Set<Endpoint> out = new LinkedHashSet<>();
        for (HandlerMapping mapping : context.getBeansOfType(HandlerMapping.class).values()) {
            if (mapping instanceof RequestMappingInfoHandlerMapping m) {
                for (RequestMappingInfo info : m.getHandlerMethods().keySet()) {
                    Set<String> methods = new LinkedHashSet<>();
                    info.getMethodsCondition().getMethods().forEach(x -> methods.add(x.name()));
                    if (methods.isEmpty()) methods.addAll(List.of("GET", "POST"));
                    for (String pattern : info.getPatternValues()) for (String method : methods) out.add(new Endpoint(method, pattern));
                }
            } else if (mapping instanceof RouterFunctionMapping m && m.getRouterFunction() != null) {
                collect(m.getRouterFunction(), out);
            }
        }
        return out;
    }

    private static void collect(RouterFunction<?> router, Set<Endpoint> out) {
        router.accept(new RouterFunctions.Visitor() {
            @Override
            public void startNested(org.springframework.web.servlet.function.RequestPredicate predicate) {
            }

            @Override
            public void endNested(org.springframework.web.servlet.function.RequestPredicate predicate) {
            }

            @Override
            public void route(org.springframework.web.servlet.function.RequestPredicate predicate,
                              org.springframework.web.servlet.function.HandlerFunction<?> handler) {
                List<String> found = new ArrayList<>();
                Set<String> methods = new LinkedHashSet<>();
                predicate.accept(new RequestPredicates.Visitor() {
                    public void method(Set<HttpMethod> m) {
                        m.forEach(x -> methods.add(x.name()));
                    }

                    public void path(String pattern) {
                        found.add(pattern);
                    }

                    public void pathExtension(String extension) {
                    }

                    public void header(String name, String value) {
                    }

                    public void queryParam(String name, String value) {
                    }

                    public void param(String name, String value) {
                    }

                    public void version(String version) {
                    }

                    public void startAnd() {
                    }

                    public void and() {
                    }

                    public void endAnd() {
                    }

                    public void startOr() {
                    }

                    public void or() {
                    }

                    public void endOr() {
                    }

                    public void startNegate() {
                    }

                    public void endNegate() {
                    }

                    public void unknown(org.springframework.web.servlet.function.RequestPredicate p) {
                    }
                });
                if (methods.isEmpty()) methods.addAll(List.of("GET", "POST"));
                for (String p : found) for (String m : methods) out.add(new Endpoint(m, p));
            }

            @Override
            public void resources(java.util.function.Function<org.springframework.web.servlet.function.ServerRequest,
                    java.util.Optional<org.springframework.core.io.Resource>> lookup) {
            }

            @Override
            public void attributes(Map<String, Object> attributes) {
            }

            @Override
            public void unknown(RouterFunction<?> routerFunction) {
            }
        });
    }

    /** Every interaction and operation HAPI's server has a method binding for, as a request on a made-up id. */
    private Set<Endpoint> fhirEndpoints() {
        RestfulServer server = (RestfulServer) ((ServletRegistrationBean<?>) context.getBean("fhirServlet")).getServlet();
        Set<Endpoint> out = new LinkedHashSet<>();
        List<BaseMethodBinding> bindings = new ArrayList<>(server.getServerBindings());
        server.getResourceBindings().forEach(r -> bindings.addAll(r.getMethodBindings()));
        for (BaseMethodBinding b : bindings) {
            String type = b.getResourceName();
            String base = "/fhir" + (type == null ? "" : "/" + type);
            String op = b instanceof OperationMethodBinding o ? o.getName() : null;
            switch (b.getRestOperationType()) {
                case READ, VREAD -> out.add(new Endpoint("GET", base + "/x1"));
                case SEARCH_TYPE, SEARCH_SYSTEM -> out.add(new Endpoint("GET", base));
                case HISTORY_INSTANCE -> out.add(new Endpoint("GET", base + "/x1/_history"));
                case HISTORY_TYPE, HISTORY_SYSTEM -> out.add(new Endpoint("GET", base + "/_history"));
                case CREATE, TRANSACTION, BATCH -> out.add(new Endpoint("POST", base));
                case UPDATE -> out.add(new Endpoint("PUT", base + "/x1"));
                case PATCH -> out.add(new Endpoint("PATCH", base + "/x1"));
                case DELETE -> out.add(new Endpoint("DELETE", base + "/x1"));
                case EXTENDED_OPERATION_SERVER, EXTENDED_OPERATION_TYPE -> out.add(new Endpoint("GET", base + "/" + op));
                case EXTENDED_OPERATION_INSTANCE -> out.add(new Endpoint("GET", base + "/x1/" + op));
                case METADATA -> out.add(new Endpoint("GET", "/fhir/metadata"));
                default -> out.add(new Endpoint("GET", base));
            }
        }
        return out;
    }

    private HttpResponse<String> call(Endpoint e, String token) throws Exception {
        String path = e.path().replaceAll("\\{[^}]+}", "x1").replace("/**", "/x1").replace("*", "x1");
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                .header("Content-Type", e.path().startsWith("/fhir") ? "application/fhir+json" : "application/json");
        if (token != null) b.header("Authorization", "Bearer " + token);
        String body = e.method().equals("GET") || e.method().equals("DELETE") ? null : "{}";
        b.method(e.method(), body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyHandlerAndEveryFhirOperationRefusesARequestWithoutAValidToken() throws Exception {
        Set<Endpoint> all = new LinkedHashSet<>(springEndpoints());
        all.addAll(fhirEndpoints());
        assertThat(all).as("the walk finds the APIs").contains(new Endpoint("POST", "/graphql"), new Endpoint("POST", "/cypher"),
                new Endpoint("GET", "/fhir/Patient/x1"), new Endpoint("GET", "/fhir/Patient/x1/$everything"));
        assertThat(all.size()).isGreaterThan(500);
        String forged = token("forger", null, null, ALL_SCOPES);
        forged = forged.substring(0, forged.lastIndexOf('.') + 1) + "AAAA" + forged.substring(forged.lastIndexOf('.') + 5);
        List<String> open = new ArrayList<>();
        for (Endpoint e : all) {
            if (isPublic(e)) continue;
            for (String token : new String[] {null, forged, "not-a-jwt"}) {
                HttpResponse<String> r = call(e, token);
                if (r.statusCode() != 401 || !r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer")) {
                    open.add(e + (token == null ? " without a token" : " with a bad token") + " → " + r.statusCode());
                }
            }
        }
        assertThat(open).as("endpoints that answer without a valid token").isEmpty();
    }

    @Test
    void refusalsComeInTheShapeOfEachApi() throws Exception {
        HttpResponse<String> fhir = call(new Endpoint("GET", "/fhir/Patient"), null);
        assertThat(fhir.statusCode()).isEqualTo(401);
        assertThat(fhir.headers().firstValue("WWW-Authenticate").orElseThrow()).isEqualTo("Bearer");
        assertThat(JSON.readTree(fhir.body()).get("resourceType").asText()).isEqualTo("OperationOutcome");
        HttpResponse<String> gql = call(new Endpoint("POST", "/graphql"), null);
        assertThat(JSON.readTree(gql.body()).at("/errors/0/extensions/code").asText()).isEqualTo("UNAUTHENTICATED");
        HttpResponse<String> cypher = call(new Endpoint("POST", "/cypher"), "garbage");
        assertThat(cypher.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("invalid_token");
        assertThat(JSON.readTree(cypher.body()).get("code").asText()).isEqualTo("UNAUTHENTICATED");

        // a valid token whose scopes do not cover the request: 403, FHIR OperationOutcome and GraphQL FORBIDDEN
        String observationsOnly = token("narrow", null, null, List.of("system/Observation.rs"));
        HttpResponse<String> forbidden = call(new Endpoint("GET", "/fhir/Patient"), observationsOnly);
        assertThat(forbidden.statusCode()).isEqualTo(403);
        JsonNode outcome = JSON.readTree(forbidden.body());
        assertThat(outcome.get("resourceType").asText()).isEqualTo("OperationOutcome");
        assertThat(outcome.at("/issue/0/code").asText()).isEqualTo("forbidden");
        HttpRequest pathways = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/graphql"))
                .header("Authorization", "Bearer " + observationsOnly).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"query\":\"{ pathways(start: [{code: \\\"1\\\"}]) { cohortSize } }\"}")).build();
        JsonNode gqlForbidden = JSON.readTree(http.send(pathways, HttpResponse.BodyHandlers.ofString()).body());
        assertThat(gqlForbidden.at("/errors/0/extensions/code").asText()).isEqualTo("FORBIDDEN");
        HttpResponse<String> metrics = call(new Endpoint("GET", "/actuator/metrics"), observationsOnly);
        assertThat(metrics.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(metrics.body()).get("code").asText()).isEqualTo("FORBIDDEN");

        // the open doors: discovery of the server and the probes
        assertThat(call(new Endpoint("GET", "/fhir/metadata"), null).statusCode()).isEqualTo(200);
        assertThat(call(new Endpoint("GET", "/actuator/health/liveness"), null).statusCode()).isEqualTo(200);
    }
}
