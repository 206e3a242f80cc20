package org.caregraph.security.authz;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.caregraph.graph.GraphReader;
import org.caregraph.search.SearchRanges;
import org.caregraph.security.AccessContext;
import org.caregraph.security.AccessContexts;
import org.caregraph.security.ServerUrls;
import org.caregraph.security.SmartScope;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.security.web.savedrequest.HttpSessionRequestCache;
import org.springframework.security.web.savedrequest.SavedRequest;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The authorize endpoint, {@code GET /auth/authorize} (SMART App Launch 2.x standalone launch: authorization code
 * with PKCE S256). The request is checked in RFC 6749's order: an unknown client or a redirect URI it did not register
 * is answered with an error page (never a redirect to an unchecked address); anything else wrong goes back to the app
 * as {@code error} with its {@code state}. The app's scopes are negotiated against its allowance before the user
 * signs in, and against the user's after. A user not signed in is sent to the sign-in form (Spring Security's form
 * login, with CSRF protection and a new session id at sign-in) and comes back here. When the app asks
 * {@code launch/patient}, a patient user gets its own record in context and a practitioner the standalone patient
 * picker, which offers only the patients the user's user/ scopes reach. The code goes to the redirect URI.
 */
@Controller
public class AuthorizeEndpoint {
    /** The saved authorize request the sign-in returns to (the auth filter chain shares it; not a bean, so the API chain keeps none). */
    static final HttpSessionRequestCache REQUESTS = new HttpSessionRequestCache();
    private static final String PENDING = AuthorizeEndpoint.class.getName() + ".pending";
    private static final int PICKER_PAGE = 50;
    private static final AccessContext AUTH = AccessContext.service("auth");

    private final Clients clients;
    private final Users users;
    private final AccessContexts contexts;
    private final GraphReader reader;
    private final AuthorizationCodes codes;
    private final ServerUrls urls;
    private final JsonMapper json = JsonMapper.builder().build();

    AuthorizeEndpoint(Clients clients, Users users, AccessContexts contexts, GraphReader reader, AuthorizationCodes codes,
                      ServerUrls urls) {
        this.clients = clients;
        this.users = users;
        this.contexts = contexts;
        this.reader = reader;
        this.codes = codes;
        this.urls = urls;
    }

    /** An authorization waiting for the user to pick a patient. */
    private record Pending(Authorization authorization, String app, String state, Set<String> reach, Instant expires) {
    }

    @GetMapping("/auth/authorize")
    void authorize(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Map<String, String> p = new HashMap<>();
        for (Map.Entry<String, String[]> e : request.getParameterMap().entrySet()) {
            if (e.getValue().length != 1) {
                page(response, 400, AuthPages.error("Bad request", e.getKey() + " is given more than once"));
                return;
            }
            p.put(e.getKey(), e.getValue()[0]);
        }
        RegisteredClient client = clients.find(p.get("client_id")).orElse(null);
        if (client == null || !client.browserApp()) {
            page(response, 400, AuthPages.error("Unknown app", "No app of this id is registered to sign users in."));
            return;
        }
        String redirect = redirectUri(client, p.get("redirect_uri"), request);
        if (redirect == null) {
            page(response, 400, AuthPages.error("Unknown redirect address", "The address this app asked to be sent back "
                    + "to is not one it registered."));
            return;
        }
        String state = p.get("state");
        try {
            Authorization a = check(client, redirect, p, request);
            Users.LocalUser user = signedIn();
            if (user == null) {
                REQUESTS.saveRequest(request, response);
                response.sendRedirect("/auth/login");
                return;
            }
            List<String> scopes = negotiate(a.scopes(), ScopeNegotiation.userAllowance(user.scopes()));
            a = new Authorization(a.clientId(), a.redirectUri(), a.codeChallenge(), a.nonce(), user.name(), user.fhirUser(),
                    null, scopes);
            if (user.patient()) {
                complete(response, withPatient(a, user.fhirUser()), state);
            } else if (a.has("launch/patient")) {
                String id = UUID.randomUUID().toString();
                pending(request.getSession()).put(id, new Pending(a, name(client), state, contexts.reach(user.fhirUser()),
                        Instant.now().plus(AuthorizationCodes.LIFETIME.multipliedBy(10))));
                response.sendRedirect(UriComponentsBuilder.fromPath("/auth/authorize/patient").queryParam("request", id).build().toUriString());
            } else {
                complete(response, withoutPatient(a), state);
            }
        } catch (OAuthError e) {
            sendBack(response, redirect, state, Map.of("error", e.error(), "error_description", e.getMessage()));
        }
    }

    /** The picker, optionally filtered by name. */
    @GetMapping("/auth/authorize/patient")
    void picker(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Users.LocalUser user = signedIn();
        Pending pending = pending(request, response, user);
        if (pending == null) return;
        String filter = request.getParameter("name") == null ? "" : request.getParameter("name").strip();
        List<AuthPages.PatientChoice> found = patients(pending.reach(), null, filter, PICKER_PAGE + 1);
        CsrfToken csrf = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
        page(response, 200, AuthPages.picker(csrf.getParameterName(), csrf.getToken(), request.getParameter("request"),
                pending.app(), user.name(), filter, found.subList(0, Math.min(PICKER_PAGE, found.size())), found.size() > PICKER_PAGE),
                pending.authorization().redirectUri());
    }

    /** The user's choice (or cancel): the code goes to the app, with the chosen patient in context. */
    @PostMapping("/auth/authorize/patient")
    void choose(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Pending pending = pending(request, response, signedIn());
        if (pending == null) return;
        pending(request.getSession()).remove(request.getParameter("request"));
        Authorization a = pending.authorization();
        if ("cancel".equals(request.getParameter("action"))) {
            sendBack(response, a.redirectUri(), pending.state(), Map.of("error", "access_denied", "error_description", "the user cancelled"));
            return;
        }
        String patient = request.getParameter("patient");
        if (patient == null || patients(pending.reach(), "Patient/" + patient, "", 1).isEmpty()) {
            sendBack(response, a.redirectUri(), pending.state(), Map.of("error", "access_denied",
                    "error_description", "the chosen patient is not one the user may see"));
            return;
        }
        complete(response, withPatient(a, "Patient/" + patient), pending.state());
    }

    @GetMapping("/auth/login")
    void login(HttpServletRequest request, HttpServletResponse response) throws IOException {
        CsrfToken csrf = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
        SavedRequest saved = REQUESTS.getRequest(request, response);
        String app = null;
        String redirect = null;
        List<String> scopes = List.of();
        RegisteredClient client = saved == null || saved.getParameterValues("client_id") == null ? null
                : clients.find(saved.getParameterValues("client_id")[0]).orElse(null);
        if (client != null) { // the saved request was checked before it was saved: its redirect URI is the client's
            app = name(client);
            String[] scope = saved.getParameterValues("scope");
            if (scope != null) scopes = Arrays.stream(scope[0].split(" ")).filter(s -> !s.isEmpty()).toList();
            String[] uri = saved.getParameterValues("redirect_uri");
            redirect = uri != null ? uri[0] : client.redirectUris().size() == 1 && !client.sameOrigin() ? client.redirectUris().getFirst() : null;
        }
        page(response, 200, AuthPages.login(csrf.getParameterName(), csrf.getToken(), request.getParameter("error") != null,
                request.getParameter("signedOut") != null, app, scopes), redirect);
    }

    /** Where an app sends a user to end the sign-in session (the form posts to Spring Security's logout, with CSRF). */
    @GetMapping("/auth/logout")
    void logout(HttpServletRequest request, HttpServletResponse response) throws IOException {
        CsrfToken csrf = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
        page(response, 200, AuthPages.signOut(csrf.getParameterName(), csrf.getToken()));
    }

    /** Checks the request as the app sent it; its scopes negotiated against the client's allowance. */
    private Authorization check(RegisteredClient client, String redirect, Map<String, String> p, HttpServletRequest request) {
        if (!"code".equals(p.get("response_type"))) {
            throw new OAuthError("unsupported_response_type", "response_type must be code");
        }
        if (p.containsKey("launch")) throw OAuthError.invalidRequest("EHR launch is not supported: use a standalone launch");
        String challenge = p.get("code_challenge");
        if (challenge == null) throw OAuthError.invalidRequest("PKCE is required: code_challenge is missing");
        if (!"S256".equals(p.get("code_challenge_method"))) throw OAuthError.invalidRequest("code_challenge_method must be S256");
        if (!challenge.matches("[A-Za-z0-9_-]{43}")) throw OAuthError.invalidRequest("code_challenge is not a base64url SHA-256");
        String aud = p.get("aud");
        if (aud == null) throw OAuthError.invalidRequest("aud (the FHIR server's URL) is missing");
        if (!stripSlash(aud).equals(urls.fhirBase()) && !stripSlash(aud).equals(origin(request) + "/fhir")) {
            throw OAuthError.invalidRequest("aud is not this FHIR server: " + urls.fhirBase());
        }
        String scope = p.get("scope");
        if (scope == null || scope.isBlank()) throw OAuthError.invalidRequest("scope is missing");
        List<String> scopes = negotiate(Arrays.stream(scope.split(" ")).filter(s -> !s.isEmpty()).toList(), client.scopes());
        return new Authorization(client.id(), redirect, challenge, p.get("nonce"), null, null, null, scopes);
    }

    private static List<String> negotiate(List<String> requested, List<String> allowance) {
        try {
            return ScopeNegotiation.negotiate(requested, allowance);
        } catch (ScopeNegotiation.InvalidScopeException e) {
            throw OAuthError.invalidScope(e.getMessage());
        }
    }

    /** A patient in context (a patient user's own record, or the one picked); patient/ scopes apply to it. */
    private static Authorization withPatient(Authorization a, String patientKey) {
        return new Authorization(a.clientId(), a.redirectUri(), a.codeChallenge(), a.nonce(), a.user(), a.fhirUser(),
                patientKey.substring("Patient/".length()), a.scopes());
    }

    /** No patient in context: patient/ scopes would reach nothing, so they are not granted. */
    private static Authorization withoutPatient(Authorization a) {
        List<String> scopes = a.scopes().stream().filter(s -> SmartScope.parse(s)
                .map(x -> x.context() != SmartScope.Context.PATIENT).orElse(true)).toList();
        if (scopes.isEmpty()) throw OAuthError.invalidScope("patient/ scopes need a patient: ask launch/patient too");
        return new Authorization(a.clientId(), a.redirectUri(), a.codeChallenge(), a.nonce(), a.user(), a.fhirUser(), null, scopes);
    }

    private void complete(HttpServletResponse response, Authorization a, String state) throws IOException {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("code", codes.issue(a));
        sendBack(response, a.redirectUri(), state, params);
    }

    private static void sendBack(HttpServletResponse response, String redirect, String state, Map<String, String> params)
            throws IOException {
        UriComponentsBuilder b = UriComponentsBuilder.fromUriString(redirect);
        Map<String, String> all = new LinkedHashMap<>(params);
        if (state != null) all.put("state", state);
        List<String> values = new ArrayList<>();
        for (Map.Entry<String, String> e : all.entrySet()) {
            b.queryParam(e.getKey(), "{" + e.getKey() + "}");
            values.add(e.getValue());
        }
        response.setHeader("Cache-Control", "no-store");
        response.sendRedirect(b.encode().buildAndExpand(values.toArray()).toUriString());
    }

    /**
     * The redirect URI to use: one the client registered, compared exactly (an app with one registered may leave it
     * out). For the built-in UI, {@code /ui/callback} on the origin this request reached: a browser sends the origin it
     * is at, so a page elsewhere cannot make the code go to another host.
     */
    private static String redirectUri(RegisteredClient client, String asked, HttpServletRequest request) {
        if (client.sameOrigin()) {
            String own = origin(request) + client.redirectUris().getFirst();
            return own.equals(asked) ? own : null;
        }
        if (asked == null) return client.redirectUris().size() == 1 ? client.redirectUris().getFirst() : null;
        return client.redirectUris().contains(asked) ? asked : null;
    }

    /** scheme://host[:port] of this request, the default port left out (as browsers write an origin). */
    static String origin(HttpServletRequest request) {
        String scheme = request.getScheme();
        int port = request.getServerPort();
        boolean standard = (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        try {
            return new URI(scheme, null, request.getServerName(), standard ? -1 : port, null, null, null).toString();
        } catch (URISyntaxException e) {
            return scheme + "://" + request.getServerName() + (standard ? "" : ":" + port);
        }
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** The signed-in user of this session (form login), or null. */
    private Users.LocalUser signedIn() {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (!(auth instanceof UsernamePasswordAuthenticationToken t) || !t.isAuthenticated()) return null;
        return users.find(t.getName()).orElse(null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Pending> pending(HttpSession session) {
        synchronized (session) {
            Object o = session.getAttribute(PENDING);
            if (o == null) {
                o = new ConcurrentHashMap<String, Pending>();
                session.setAttribute(PENDING, o);
            }
            return (Map<String, Pending>) o;
        }
    }

    /**
     * The pending authorization this request names, if it is the signed-in {@code user}'s and not expired; else null,
     * with an error page written.
     */
    private static Pending pending(HttpServletRequest request, HttpServletResponse response, Users.LocalUser user)
            throws IOException {
        HttpSession session = request.getSession(false);
        String id = request.getParameter("request");
        Pending p = session == null || id == null || user == null ? null : pending(session).get(id);
        if (p == null || p.expires().isBefore(Instant.now()) || !p.authorization().user().equals(user.name())) {
            page(response, 400, AuthPages.error("Sign-in expired", "This sign-in is over or was never started: go back "
                    + "to the app and start again."));
            return null;
        }
        return p;
    }

    /**
     * The patients the picker offers: those in {@code reach} (null: any), or the one {@code key}, whose name contains
     * {@code filter}.
     */
    private List<AuthPages.PatientChoice> patients(Set<String> reach, String key, String filter, int limit) {
        List<String> keys = key != null ? (reach == null || reach.contains(key) ? List.of(key) : List.of())
                : reach == null ? null : List.copyOf(reach);
        if (keys != null && keys.isEmpty()) return List.of();
        Map<String, Object> params = new HashMap<>();
        params.put("keys", keys);
        params.put("name", SearchRanges.normalize(filter));
        params.put("limit", limit);
        return reader.list(AUTH, "security/picker-patients", params, r -> choice(r.get("json").asString()));
    }

    private AuthPages.PatientChoice choice(String resource) {
        JsonNode p = json.readTree(resource);
        JsonNode name = p.path("name").path(0);
        for (JsonNode n : p.path("name")) {
            if ("official".equals(n.path("use").asString(""))) name = n;
        }
        String display = name.path("text").asString("");
        if (display.isEmpty()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode g : name.path("given")) parts.add(g.asString());
            if (name.has("family")) parts.add(name.path("family").asString());
            display = String.join(" ", parts);
        }
        String id = p.path("id").asString();
        return new AuthPages.PatientChoice(id, display.isBlank() ? "Patient " + id : display,
                p.path("birthDate").asString(null), p.path("gender").asString(null));
    }

    private static String name(RegisteredClient client) {
        return client.name() != null ? client.name() : client.id();
    }

    private static void page(HttpServletResponse response, int status, String html) throws IOException {
        page(response, status, html, null);
    }

    /** Writes a page whose forms lead (through redirects) to this server or to {@code redirectUri}'s origin. */
    private static void page(HttpServletResponse response, int status, String html, String redirectUri) throws IOException {
        response.setStatus(status);
        response.setContentType("text/html;charset=UTF-8");
        response.setHeader("Cache-Control", "no-store");
        // set here, last, so that it replaces the web pages' policy (which allows forms to this origin only)
        response.setHeader("Content-Security-Policy", AuthPages.csp(redirectUri == null ? null : originOf(redirectUri)));
        response.getWriter().write(html);
    }

    /** scheme://host[:port] of a URL. */
    private static String originOf(String url) {
        URI u = URI.create(url);
        return u.getScheme() + "://" + u.getRawAuthority();
    }
}
