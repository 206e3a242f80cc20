package org.caregraph.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.caregraph.GraphTest;
import org.caregraph.security.authz.Clients;
import org.caregraph.security.authz.RegisteredClient;
import org.caregraph.security.authz.Users;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The web UI signs a user in through the built-in authorization server, in a real browser: from a page that got 401,
 * the sign-in button leads to the server's sign-in form, the form to the UI's callback, the code to a token, and the
 * page shows what the clinician may see. The authorization server's pages (sign-in, patient picker, sign-out, error)
 * pass the same checks as the UI's: no console error (so their Content-Security-Policy lets their own style in), only
 * this origin's resources, no axe WCAG 2.1 AA violation.
 */
class UiSignInTest extends GraphTest {
    private static final String PASSWORD = "a password for the browser";

    @Autowired private Users users;
    @Autowired private Clients clients;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private Browser browser;
    private String origin;

    @BeforeEach
    void fixture() throws Exception {
        origin = "http://127.0.0.1:" + httpPort;
        browser = Browser.at(origin);
        for (String r : List.of(
                "{\"resourceType\":\"Practitioner\",\"id\":\"ui-dr-" + run + "\",\"name\":[{\"family\":\"Browser\"}]}",
                "{\"resourceType\":\"Patient\",\"id\":\"ui-a-" + run + "\",\"name\":[{\"given\":[\"Ada\"],\"family\":\"Seen\"}]}",
                "{\"resourceType\":\"Patient\",\"id\":\"ui-b-" + run + "\",\"name\":[{\"family\":\"Unseen\"}]}",
                "{\"resourceType\":\"Encounter\",\"id\":\"ui-e-" + run + "\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},"
                        + "\"subject\":{\"reference\":\"Patient/ui-a-" + run + "\"},"
                        + "\"participant\":[{\"individual\":{\"reference\":\"Practitioner/ui-dr-" + run + "\"}}]}")) {
            String type = r.substring(17, r.indexOf('"', 17));
            String id = r.substring(r.indexOf("\"id\":\"") + 6, r.indexOf('"', r.indexOf("\"id\":\"") + 6));
            HttpResponse<Void> put = HttpClient.newHttpClient().send(authorized(URI.create(origin + "/fhir/" + type + "/" + id))
                    .header("Content-Type", "application/fhir+json").PUT(HttpRequest.BodyPublishers.ofString(r)).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(put.statusCode()).isIn(200, 201);
        }
        users.add("ui-dr-" + run, PASSWORD.toCharArray(), "Practitioner/ui-dr-" + run,
                List.of("user/*.rs", "user/caregraph.analytics"), true);
        // a fresh tab: no token in sessionStorage, no sign-in session cookie
        browser.driver.manage().deleteAllCookies();
        browser.open("/ui/callback");
        browser.js("sessionStorage.clear()");
    }

    private void waitForPath(String path) {
        new WebDriverWait(browser.driver, java.time.Duration.ofSeconds(60)).until(d -> path.equals(browser.js("return location.pathname")));
    }

    @Test
    void aClinicianSignsInFromThePagesAndSeesTheirOwnPatients() {
        browser.driver.get(origin + "/");
        browser.waitFor("#sign-in").click();
        waitForPath("/auth/login");
        browser.consoleErrors(); // the 401s that made the page offer sign-in
        assertThat(browser.find("main").getText()).contains("CareGraph asks for access", "user/*.rs");
        browser.check("auth-sign-in");

        browser.find("#username").sendKeys("ui-dr-" + run);
        browser.find("#password").sendKeys(PASSWORD);
        browser.find("button[type=submit]").click();
        waitForPath("/");
        browser.settle();
        assertThat(browser.waitFor("#signed-in").getText()).contains("Practitioner/ui-dr-" + run);
        assertThat(browser.count("#patient-results")).as("the one patient the practitioner saw").isEqualTo(1);
        assertThat(browser.driver.findElements(By.cssSelector("#patient-results a")).stream().map(e -> e.getText()))
                .anyMatch(t -> t.contains("Seen")).noneMatch(t -> t.contains("Unseen"));
    }

    @Test
    void theAuthorizationServersPagesPassTheChecksOfEveryPage() throws Exception {
        String app = "picker-app-" + run;
        clients.add(new RegisteredClient(app, "Picker test app", null, null, List.of("https://app.example/cb"),
                List.of("launch/patient", "patient/*.rs"), null, false), true);
        String verifier = "v".repeat(50);
        String challenge = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                java.security.MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        String authorize = origin + "/auth/authorize?response_type=code&client_id=" + app
                + "&redirect_uri=" + enc("https://app.example/cb") + "&scope=" + enc("launch/patient patient/*.rs")
                + "&state=s1&aud=" + enc(origin + "/fhir") + "&code_challenge=" + challenge + "&code_challenge_method=S256";
        browser.driver.get(authorize);
        waitForPath("/auth/login");
        browser.find("#username").sendKeys("ui-dr-" + run);
        browser.find("#password").sendKeys(PASSWORD);
        browser.find("button[type=submit]").click();
        waitForPath("/auth/authorize/patient");
        assertThat(browser.all("input[name=patient]")).hasSize(1);
        assertThat(browser.find("label[for=p-ui-a-" + run + "]").getText()).contains("Ada Seen");
        browser.check("auth-patient-picker");

        browser.open("/auth/logout");
        browser.check("auth-sign-out");
        browser.open("/auth/authorize?client_id=no-such-app");
        assertThat(browser.consoleErrors()).as("the page's own 400, and nothing else").singleElement().asString().contains("400");
        assertThat(browser.find("[role=alert]").getText()).contains("No app of this id");
        browser.check("auth-error");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
