package org.caregraph.security.authz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.caregraph.GraphTest;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The authorization code flow with PKCE, as a browser and an app do it over real HTTP: the app sends the user to
 * /auth/authorize, the user signs in on the server's form (with its CSRF token), a practitioner picks a patient
 * among those it is linked to, the code comes back to the redirect URI with the state, the app exchanges it with its
 * verifier, and the tokens work on /fhir within what was granted. The id_token is checked against the published JWKS;
 * refresh tokens rotate, and a stale one revokes the grant. Each refusal of the flow has its case.
 */
class AuthorizationCodeTest extends GraphTest {
    private static final String PASSWORD = "correct horse battery staple";
    private static final String REDIRECT = "https://app.example/callback";

    @Autowired private Clients clients;
    @Autowired private Users users;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private AuthzHttp http;
    private String app;
    private String conf;
    private String dr;
    private String patientUser;
    private String linked;
    private String unlinked;
    private String practitioner;

    @BeforeEach
    void fixture() {
        http = new AuthzHttp(httpPort);
        practitioner = "az-dr-" + run;
        linked = "az-a-" + run;
        unlinked = "az-b-" + run;
        http.put(systemToken(), "{\"resourceType\":\"Practitioner\",\"id\":\"" + practitioner + "\",\"name\":[{\"family\":\"Doc\"}]}");
        http.put(systemToken(), "{\"resourceType\":\"Patient\",\"id\":\"" + linked + "\",\"name\":[{\"given\":[\"Ann\"],\"family\":\"Linked\"}],"
                + "\"birthDate\":\"1970-01-01\",\"gender\":\"female\"}");
        http.put(systemToken(), "{\"resourceType\":\"Patient\",\"id\":\"" + unlinked + "\",\"name\":[{\"family\":\"Unlinked\"}]}");
        http.put(systemToken(), "{\"resourceType\":\"Encounter\",\"id\":\"az-e-" + run + "\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},"
                + "\"subject\":{\"reference\":\"Patient/" + linked + "\"},"
                + "\"participant\":[{\"individual\":{\"reference\":\"Practitioner/" + practitioner + "\"}}]}");
        app = "app-" + run;
        clients.add(new RegisteredClient(app, "Test App", null, null, List.of(REDIRECT),
                List.of("openid", "fhirUser", "launch/patient", "offline_access", "patient/*.rs", "user/*.rs"), null, false), true);
        conf = "conf-" + run;
        clients.add(new RegisteredClient(conf, null, null, null, List.of(REDIRECT), List.of("user/Patient.rs"),
                Users.PASSWORDS.encode("the confidential client's secret"), false), true);
        dr = "dr-" + run;
        users.add(dr, PASSWORD.toCharArray(), "Practitioner/" + practitioner, List.of("user/*.rs"), true);
        patientUser = "pt-" + run;
        users.add(patientUser, PASSWORD.toCharArray(), "Patient/" + unlinked, List.of("patient/*.rs"), true);
    }

    private HttpResponse<String> exchange(SignInBrowser browser, String clientId, String code) {
        return http.token("grant_type", "authorization_code", "code", code, "redirect_uri", REDIRECT,
                "code_verifier", browser.verifier, "client_id", clientId);
    }

    private String code(String redirect, String state) {
        assertThat(redirect).startsWith(REDIRECT + "?");
        Map<String, String> q = AuthzHttp.query(redirect);
        assertThat(q).as(redirect).containsEntry("state", state).containsKey("code");
        return q.get("code");
    }

    @Test
    void aPractitionerSignsInPicksALinkedPatientAndTheAppGetsTokensForThatPatient() throws Exception {
        SignInBrowser browser = new SignInBrowser(http);
        String scope = "launch/patient patient/*.rs openid fhirUser offline_access";
        String pickerUrl = browser.signIn(browser.authorizeUrl(app, REDIRECT, scope), dr, PASSWORD);
        assertThat(pickerUrl).contains("/auth/authorize/patient?request=");
        Document picker = SignInBrowser.html(browser.get(pickerUrl));
        List<String> offered = picker.select("input[name=patient]").eachAttr("value");
        assertThat(offered).as("only the patients the practitioner is linked to").containsExactly(linked);
        assertThat(picker.select("label[for=p-" + linked + "]").text()).contains("Ann Linked", "1970-01-01");
        Element form = picker.selectFirst("form[method=post]");
        String redirect = SignInBrowser.location(browser.submit(form, "patient", linked, "action", "choose"));

        HttpResponse<String> r = exchange(browser, app, code(redirect, "st-" + app));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Cache-Control").orElseThrow()).contains("no-store");
        JsonNode body = AuthzHttp.json(r);
        assertThat(body.get("patient").asText()).isEqualTo(linked);
        assertThat(body.get("fhirUser").asText()).isEqualTo("Practitioner/" + practitioner);
        assertThat(body.get("scope").asText().split(" ")).containsExactlyInAnyOrder("launch/patient", "patient/*.rs", "openid",
                "fhirUser", "offline_access");
        String access = body.get("access_token").asText();
        assertThat(http.fhir(access, "Patient/" + linked)).isEqualTo(200);
        assertThat(http.fhir(access, "Patient/" + unlinked)).as("outside the patient in context").isEqualTo(404);

        // the id_token: signed by a published key, for this app, about this user, with the nonce
        SignedJWT id = SignedJWT.parse(body.get("id_token").asText());
        RSAKey key = (RSAKey) JWKSet.parse(http.get("/.well-known/jwks.json").body()).getKeyByKeyId(id.getHeader().getKeyID());
        assertThat(id.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        assertThat(id.verify(new RSASSAVerifier(key))).isTrue();
        JWTClaimsSet claims = id.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo(tokens.issuer());
        assertThat(claims.getAudience()).containsExactly(app);
        assertThat(claims.getSubject()).isEqualTo(dr);
        assertThat(claims.getStringClaim("fhirUser")).isEqualTo(tokens.issuer() + "/fhir/Practitioner/" + practitioner);
        assertThat(claims.getStringClaim("nonce")).isEqualTo("n-" + app);
        assertThat(http.fhir(body.get("id_token").asText(), "Patient/" + linked)).as("an id_token is no access token").isEqualTo(401);

        // offline_access: the refresh token rotates; a stale one revokes the grant
        String refresh1 = body.get("refresh_token").asText();
        HttpResponse<String> renewed = http.token("grant_type", "refresh_token", "refresh_token", refresh1, "client_id", app);
        assertThat(renewed.statusCode()).as(renewed.body()).isEqualTo(200);
        JsonNode second = AuthzHttp.json(renewed);
        String refresh2 = second.get("refresh_token").asText();
        assertThat(refresh2).isNotEqualTo(refresh1);
        assertThat(second.get("patient").asText()).isEqualTo(linked);
        assertThat(http.fhir(second.get("access_token").asText(), "Patient/" + linked)).isEqualTo(200);
        HttpResponse<String> narrower = http.token("grant_type", "refresh_token", "refresh_token", refresh2, "client_id", app,
                "scope", "patient/Patient.r");
        assertThat(AuthzHttp.json(narrower).get("scope").asText()).isEqualTo("patient/Patient.r");
        String refresh3 = AuthzHttp.json(narrower).get("refresh_token").asText();
        refused(http.token("grant_type", "refresh_token", "refresh_token", refresh1, "client_id", app), 400, "invalid_grant", "used before");
        refused(http.token("grant_type", "refresh_token", "refresh_token", refresh3, "client_id", app), 400, "invalid_grant", "revoked");
    }

    @Test
    void thePickerRefusesAPatientOutsideTheUsersReachAndCancelIsAccessDenied() {
        SignInBrowser browser = new SignInBrowser(http);
        String pickerUrl = browser.signIn(browser.authorizeUrl(app, REDIRECT, "launch/patient patient/*.rs"), dr, PASSWORD);
        Element form = SignInBrowser.html(browser.get(pickerUrl)).selectFirst("form[method=post]");
        String refused = SignInBrowser.location(browser.submit(form, "patient", unlinked, "action", "choose"));
        assertThat(AuthzHttp.query(refused)).containsEntry("error", "access_denied").doesNotContainKey("code");

        String again = browser.signIn(browser.authorizeUrl(app, REDIRECT, "launch/patient patient/*.rs"), dr, PASSWORD);
        assertThat(again).as("still signed in: straight to the picker").contains("/auth/authorize/patient");
        Element form2 = SignInBrowser.html(browser.get(again)).selectFirst("form[method=post]");
        String cancelled = SignInBrowser.location(browser.submit(form2, "action", "cancel"));
        assertThat(AuthzHttp.query(cancelled)).containsEntry("error", "access_denied").containsEntry("state", "st-" + app);
        // a request id cannot be used twice
        assertThat(browser.submit(form2, "patient", linked, "action", "choose").statusCode()).isEqualTo(400);

        // signing out ends the session: the next authorize request asks for the password again
        Document signOut = SignInBrowser.html(browser.get(http.root + "/auth/logout"));
        String after = SignInBrowser.location(browser.submit(signOut.selectFirst("form")));
        assertThat(after).endsWith("/auth/login?signedOut");
        assertThat(SignInBrowser.location(browser.get(browser.authorizeUrl(app, REDIRECT, "user/*.rs")))).endsWith("/auth/login");
    }

    @Test
    void aPatientUserGetsItsOwnRecordInContextWithoutAPicker() {
        JsonNode body = signInWithoutPicker(patientUser, "launch/patient patient/*.rs openid fhirUser", unlinked, linked);
        assertThat(body.get("patient").asText()).isEqualTo(unlinked);
        assertThat(body.has("refresh_token")).as("offline_access not asked").isFalse();
    }

    @Test
    void userScopesReachThePatientsThePractitionerIsLinkedTo() {
        JsonNode body = signInWithoutPicker(dr, "user/Patient.rs user/Observation.rs patient/*.rs", linked, unlinked);
        assertThat(body.has("patient")).isFalse();
        assertThat(body.get("scope").asText()).as("patient/ scopes need launch/patient").isEqualTo("user/Patient.rs user/Observation.rs");
    }

    /** Signs {@code user} in for the app and exchanges the code; the token reads Patient {@code seen}, not {@code hidden}. */
    private JsonNode signInWithoutPicker(String user, String scope, String seen, String hidden) {
        SignInBrowser browser = new SignInBrowser(http);
        String redirect = browser.signIn(browser.authorizeUrl(app, REDIRECT, scope), user, PASSWORD);
        JsonNode body = AuthzHttp.json(exchange(browser, app, code(redirect, "st-" + app)));
        String access = body.get("access_token").asText();
        assertThat(http.fhir(access, "Patient/" + seen)).isEqualTo(200);
        assertThat(http.fhir(access, "Patient/" + hidden)).isEqualTo(404);
        return body;
    }

    @Test
    void theCodeExchangeRefusesAWrongVerifierARepeatedCodeAnotherRedirectAndAnotherClient() {
        SignInBrowser browser = new SignInBrowser(http);
        String code = code(browser.signIn(browser.authorizeUrl(app, REDIRECT, "user/*.rs"), dr, PASSWORD), "st-" + app);
        refused(http.token("grant_type", "authorization_code", "code", code, "redirect_uri", REDIRECT,
                "code_verifier", "x".repeat(43), "client_id", app), 400, "invalid_grant", "code_verifier");
        refused(exchange(browser, app, code), 400, "invalid_grant", "used before");

        String code2 = code(browser.signIn(browser.authorizeUrl(app, REDIRECT, "user/*.rs"), dr, PASSWORD), "st-" + app);
        refused(http.token("grant_type", "authorization_code", "code", code2, "redirect_uri", REDIRECT + "/other",
                "code_verifier", browser.verifier, "client_id", app), 400, "invalid_grant", "redirect_uri");
        String code3 = code(browser.signIn(browser.authorizeUrl(app, REDIRECT, "user/*.rs"), dr, PASSWORD), "st-" + app);
        refused(http.token("grant_type", "authorization_code", "code", code3, "redirect_uri", REDIRECT,
                "code_verifier", browser.verifier), 401, "invalid_client", "client_id");
        refused(http.token("grant_type", "authorization_code", "code", "made-up", "redirect_uri", REDIRECT,
                "code_verifier", browser.verifier, "client_id", app), 400, "invalid_grant", "not valid");
        refused(http.token("grant_type", "authorization_code", "redirect_uri", REDIRECT, "code_verifier", browser.verifier,
                "client_id", app), 400, "invalid_request", "code");

        // a code used twice revokes the refresh grant its first exchange made
        SignInBrowser offline = new SignInBrowser(http);
        String code4 = code(offline.signIn(offline.authorizeUrl(app, REDIRECT, "user/*.rs offline_access"), dr, PASSWORD), "st-" + app);
        String refresh = AuthzHttp.json(exchange(offline, app, code4)).get("refresh_token").asText();
        refused(exchange(offline, app, code4), 400, "invalid_grant", "used before");
        refused(http.token("grant_type", "refresh_token", "refresh_token", refresh, "client_id", app), 400, "invalid_grant", "revoked");
    }

    @Test
    void aConfidentialClientAuthenticatesWithItsSecret() {
        SignInBrowser browser = new SignInBrowser(http);
        String code = code(browser.signIn(browser.authorizeUrl(conf, REDIRECT, "user/Patient.rs"), dr, PASSWORD), "st-" + conf);
        refused(http.token("grant_type", "authorization_code", "code", code, "redirect_uri", REDIRECT,
                "code_verifier", browser.verifier, "client_id", conf), 401, "invalid_client", "must authenticate");
        HttpResponse<String> wrong = http.postForm(http.client, "/auth/token", List.of("Authorization", basic(conf, "wrong secret")),
                "grant_type", "authorization_code", "code", code, "redirect_uri", REDIRECT, "code_verifier", browser.verifier);
        refused(wrong, 401, "invalid_client", "failed");
        assertThat(wrong.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Basic");
        String code2 = code(browser.signIn(browser.authorizeUrl(conf, REDIRECT, "user/Patient.rs"), dr, PASSWORD), "st-" + conf);
        HttpResponse<String> ok = http.postForm(http.client, "/auth/token", List.of("Authorization", basic(conf, "the confidential client's secret")),
                "grant_type", "authorization_code", "code", code2, "redirect_uri", REDIRECT, "code_verifier", browser.verifier);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(AuthzHttp.json(ok).get("scope").asText()).isEqualTo("user/Patient.rs");
    }

    @Test
    void anAuthorizeRequestThatCannotBeTrustedGetsAnErrorPageAndAnyOtherProblemGoesBackToTheApp() {
        SignInBrowser browser = new SignInBrowser(http);
        HttpResponse<String> unknown = browser.get(browser.authorizeUrl("no-such-app", REDIRECT, "user/*.rs"));
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.headers().firstValue("Location")).isEmpty();
        HttpResponse<String> elsewhere = browser.get(browser.authorizeUrl(app, "https://attacker.example/cb", "user/*.rs"));
        assertThat(elsewhere.statusCode()).isEqualTo(400);
        assertThat(elsewhere.headers().firstValue("Location")).isEmpty();
        assertThat(SignInBrowser.html(elsewhere).select("[role=alert]").text()).contains("not one it registered");

        assertThat(error(browser.get(browser.authorizeUrl(app, REDIRECT, "user/*.rs", "code_challenge_method", "plain")))).isEqualTo("invalid_request");
        assertThat(error(browser.get(browser.authorizeUrl(app, REDIRECT, "user/*.rs", "code_challenge", null)))).isEqualTo("invalid_request");
        assertThat(error(browser.get(browser.authorizeUrl(app, REDIRECT, "user/*.rs", "aud", "https://other.example/fhir")))).isEqualTo("invalid_request");
        assertThat(error(browser.get(browser.authorizeUrl(app, REDIRECT, "user/*.rs", "response_type", "token")))).isEqualTo("unsupported_response_type");
        assertThat(error(browser.get(browser.authorizeUrl(app, REDIRECT, "system/*.rs")))).isEqualTo("invalid_scope");
        assertThat(error(browser.get(browser.authorizeUrl(app, REDIRECT, "user/Nonsense.rs")))).isEqualTo("invalid_scope");
    }

    private static String error(HttpResponse<String> r) {
        Map<String, String> q = AuthzHttp.query(SignInBrowser.location(r));
        assertThat(q).doesNotContainKey("code");
        return q.get("error");
    }

    @Test
    void theSignInFormIsProtectedAndAccessible() {
        SignInBrowser browser = new SignInBrowser(http);
        String login = SignInBrowser.location(browser.get(browser.authorizeUrl(app, REDIRECT, "user/*.rs")));
        HttpResponse<String> page = browser.get(login);
        assertThat(page.headers().allValues("Content-Security-Policy")).singleElement().asString()
                .contains("default-src 'none'", "frame-ancestors 'none'", "form-action 'self' https://app.example");
        assertThat(page.headers().firstValue("X-Frame-Options").orElseThrow()).isEqualTo("DENY");
        Document doc = SignInBrowser.html(page);
        assertThat(doc.selectFirst("html").attr("lang")).isEqualTo("en");
        assertThat(doc.select("h1").text()).isEqualTo("Sign in to CareGraph");
        assertThat(doc.text()).contains("Test App", "user/*.rs");
        for (Element input : doc.select("input:not([type=hidden])")) {
            assertThat(doc.select("label[for=" + input.id() + "]")).as("a label for " + input.id()).hasSize(1);
        }
        assertThat(doc.select("script, link[href^=http], img[src^=http]")).as("no script, nothing from elsewhere").isEmpty();

        // without the CSRF token the form is refused; a wrong password goes back to the form with an error
        HttpResponse<String> forged = http.postForm(browser.client, "/auth/login", "username", dr, "password", PASSWORD);
        assertThat(forged.statusCode()).isEqualTo(403);
        Element form = doc.selectFirst("form");
        String failed = SignInBrowser.location(browser.submit(form, "username", dr, "password", "wrong password!!"));
        assertThat(failed).endsWith("/auth/login?error");
        Document again = SignInBrowser.html(browser.get(failed));
        assertThat(again.select("[role=alert]").text()).contains("not right");
    }

    @Test
    void theBuiltInUiClientIsSentBackToTheOriginTheRequestCameToOnly() {
        for (String host : List.of("127.0.0.1", "localhost")) {
            SignInBrowser browser = new SignInBrowser(http);
            String origin = "http://" + host + ":" + httpPort;
            String url = browser.authorizeUrl(Clients.UI, origin + "/ui/callback", "openid fhirUser user/*.rs user/caregraph.analytics",
                    "aud", origin + "/fhir").replace(http.root, origin);
            String redirect = browser.signIn(url, dr, PASSWORD);
            assertThat(redirect).as(host).startsWith(origin + "/ui/callback?code=");
            HttpResponse<String> token = http.token("grant_type", "authorization_code", "code", AuthzHttp.query(redirect).get("code"),
                    "redirect_uri", origin + "/ui/callback", "code_verifier", browser.verifier, "client_id", Clients.UI);
            assertThat(AuthzHttp.json(token).get("scope").asText().split(" "))
                    .containsExactlyInAnyOrder("openid", "fhirUser", "user/*.rs");
        }
        SignInBrowser browser = new SignInBrowser(http);
        HttpResponse<String> other = browser.get(browser.authorizeUrl(Clients.UI, "https://attacker.example/ui/callback", "user/*.rs"));
        assertThat(other.statusCode()).isEqualTo(400);
        assertThat(other.headers().firstValue("Location")).isEmpty();
    }

    private static String basic(String id, String secret) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((AuthzHttp.enc(id) + ":" + AuthzHttp.enc(secret))
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static void refused(HttpResponse<String> r, int status, String error, String descriptionContains) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Cache-Control").orElse("")).contains("no-store");
        JsonNode body = AuthzHttp.json(r);
        assertThat(body.get("error").asText()).as(r.body()).isEqualTo(error);
        assertThat(body.get("error_description").asText()).as(r.body()).containsIgnoringCase(descriptionContains);
    }
}
