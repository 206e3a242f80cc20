package org.caregraph.security.authz;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * What a user's browser does in the authorization code flow, over real HTTP with a cookie jar and without following
 * redirects (each is looked at): open the app's authorize URL, read the sign-in form (its CSRF token among its fields),
 * post it, follow the redirects, use the patient picker.
 */
final class SignInBrowser {
    final AuthzHttp http;
    final HttpClient client = HttpClient.newBuilder().cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    final String verifier;
    final String challenge;

    SignInBrowser(AuthzHttp http) {
        this.http = http;
        byte[] bytes = new byte[48];
        new SecureRandom().nextBytes(bytes);
        verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        challenge = TokenEndpoint.s256(verifier);
    }

    /** The authorize URL of an app (PKCE S256 with this browser's verifier); {@code extra} as name, value pairs. */
    String authorizeUrl(String clientId, String redirect, String scope, String... extra) {
        List<String> params = new ArrayList<>(List.of("response_type", "code", "client_id", clientId, "redirect_uri", redirect,
                "scope", scope, "state", "st-" + clientId, "aud", http.root + "/fhir", "code_challenge", challenge,
                "code_challenge_method", "S256", "nonce", "n-" + clientId));
        for (int i = 0; i + 1 < extra.length; i += 2) {
            int at = params.indexOf(extra[i]);
            if (at >= 0 && at % 2 == 0) {
                if (extra[i + 1] == null) {
                    params.remove(at + 1);
                    params.remove(at);
                } else {
                    params.set(at + 1, extra[i + 1]);
                }
            } else {
                params.add(extra[i]);
                params.add(extra[i + 1]);
            }
        }
        return http.root + "/auth/authorize?" + AuthzHttp.form(params.toArray(String[]::new));
    }

    HttpResponse<String> get(String url) {
        return AuthzHttp.send(client, java.net.http.HttpRequest.newBuilder(http.uri(url)).GET().build());
    }

    /** Where a redirect goes, resolved against the URL that answered it (as a browser does). */
    static String location(HttpResponse<String> r) {
        assertThat(r.statusCode()).as("a redirect: " + r.body()).isBetween(301, 303);
        return r.request().uri().resolve(r.headers().firstValue("Location").orElseThrow()).toString();
    }

    static Document html(HttpResponse<String> r) {
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        return Jsoup.parse(r.body(), r.request().uri().toString());
    }

    /** Posts {@code form} with its fields as the page has them, {@code values} (name, value pairs) filled in or replaced. */
    HttpResponse<String> submit(Element form, String... values) {
        List<String> fields = new ArrayList<>();
        for (Element input : form.select("input[type=hidden]")) {
            fields.add(input.attr("name"));
            fields.add(input.attr("value"));
        }
        for (String v : values) fields.add(v);
        String action = java.net.URI.create(form.ownerDocument().location().isEmpty() ? http.root : form.ownerDocument().location())
                .resolve(form.attr("action")).toString();
        return http.postForm(client, action, fields.toArray(String[]::new));
    }

    /**
     * Opens the authorize URL, signs in on the form and follows the redirects back through /auth: the final redirect
     * (to the app, or to the picker).
     */
    String signIn(String authorizeUrl, String user, String password) {
        String next = location(get(authorizeUrl));
        if (java.net.URI.create(next).getPath().equals("/auth/login")) {
            Document login = html(get(next));
            String afterLogin = location(submit(login.selectFirst("form"), "username", user, "password", password));
            assertThat(afterLogin).as("signed in, back to the authorize request").contains("/auth/authorize");
            next = location(get(afterLogin));
        }
        return next;
    }
}
