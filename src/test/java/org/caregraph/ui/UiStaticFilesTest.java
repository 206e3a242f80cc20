package org.caregraph.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.Test;

/**
 * Offline by construction: our static files and the pages as served name no absolute or protocol-relative URL (no
 * CDN, nothing outside this origin), every page's scripts and styles come from /ui or /webjars, and every page is
 * served with the same-origin Content-Security-Policy.
 */
class UiStaticFilesTest extends GraphTest {
    private static final Path STATIC = Path.of("src", "main", "resources", "static");
    /** scheme://… anywhere, or //host.tld as an attribute value, url() or string (not a // comment: those have a space). */
    private static final Pattern ABSOLUTE = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://|(?<![:/\\w\\\\])//[A-Za-z0-9-]+\\.[A-Za-z]");
    /** An XML namespace name (the favicon's SVG namespace) is an identifier that nothing fetches. */
    private static final Pattern NAMESPACE = Pattern.compile("xmlns(:\\w+)?=\"[^\"]*\"");
    private static final Pattern ASSET = Pattern.compile("(?:src|href)=\"([^\"]*)\"");
    private static final List<String> PAGES = List.of("/", "/ui/patient/p1", "/ui/patient/p1/similar", "/ui/patient/p1/care-team",
            "/ui/practitioner/d1", "/ui/pathways", "/ui/cohort", "/ui/callback", "/graphiql");
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void staticFilesNameNoOtherOrigin() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(STATIC)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = ABSOLUTE.matcher(NAMESPACE.matcher(lines.get(i)).replaceAll(""));
                    if (m.find()) found.add(file + ":" + (i + 1) + ": " + lines.get(i).strip());
                }
            }
        }
        assertThat(found).as("absolute or protocol-relative URLs").isEmpty();
        // the scan itself finds what it is for
        assertThat(ABSOLUTE.matcher("<script src=\"https://cdn.example.org/x.js\">").find()).isTrue();
        assertThat(ABSOLUTE.matcher("<script src=\"//cdn.example.org/x.js\">").find()).isTrue();
        assertThat(ABSOLUTE.matcher("url(//fonts.example.com/a.woff)").find()).isTrue();
        assertThat(ABSOLUTE.matcher("// a comment, /ui/js/x.js and /webjars/d3/dist/d3.min.js").find()).isFalse();
    }

    @Test
    void everyPageIsServedOfflineWithTheContentSecurityPolicy() throws Exception {
        for (String page : PAGES) {
            HttpResponse<String> r = get(page);
            assertThat(r.statusCode()).as(page).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).as(page).startsWith("text/html");
            assertThat(r.headers().firstValue("Content-Security-Policy")).as(page).hasValue(UiConfig.CONTENT_SECURITY_POLICY);
            assertThat(ABSOLUTE.matcher(r.body()).find()).as("absolute URL in %s", page).isFalse();
            Matcher assets = ASSET.matcher(r.body());
            while (assets.find()) {
                String asset = assets.group(1);
                if (asset.startsWith("#")) continue;
                assertThat(asset).as("%s in %s", asset, page).startsWith("/").doesNotStartWith("//");
                if (asset.startsWith("/webjars/") || asset.startsWith("/ui/")) {
                    HttpResponse<String> a = get(asset);
                    assertThat(a.statusCode()).as(asset).isEqualTo(200);
                    assertThat(a.headers().firstValue("Content-Security-Policy")).as(asset).hasValue(UiConfig.CONTENT_SECURITY_POLICY);
                }
            }
        }
        assertThat(UiConfig.CONTENT_SECURITY_POLICY).contains("default-src 'self'", "script-src 'self'", "connect-src 'self'")
                .doesNotContain("unsafe-eval").doesNotContainPattern("script-src[^;]*unsafe-inline");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
