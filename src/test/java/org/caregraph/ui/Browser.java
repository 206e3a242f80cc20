package org.caregraph.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.results.Rule;
import com.deque.html.axecore.selenium.AxeBuilder;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The system's Chromium driven through its chromedriver (Debian packages chromium and chromium-driver): no driver or
 * browser is downloaded, Selenium Manager is never asked. One browser for all the browser tests of a JVM.
 */
final class Browser {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String INSTALL_HINT = "install the Debian packages: apt-get install -y chromium chromium-driver";
    static final Path SCREENSHOTS = Path.of("target", "ui-screenshots").toAbsolutePath();
    /** WCAG 2.1 A and AA, what the issue asks of every page. */
    private static final List<String> WCAG = List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa");
    /** generous: on a shared 2-core machine a page's queries can take many seconds */
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static Browser shared;

    final ChromeDriver driver;
    final Path downloads;
    private final String origin;

    private Browser(String origin) throws IOException {
        this.origin = origin;
        downloads = Files.createTempDirectory("caregraph-downloads");
        Path profile = Files.createTempDirectory("caregraph-chromium");
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1400", "--user-data-dir=" + profile);
        Map<String, Object> prefs = new HashMap<>();
        prefs.put("download.default_directory", downloads.toString());
        prefs.put("download.prompt_for_download", false);
        options.setExperimentalOption("prefs", prefs);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.executeCdpCommand("Browser.setDownloadBehavior", Map.of("behavior", "allow", "downloadPath", downloads.toString()));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            driver.quit();
            // the profile and downloads hold what the pages showed (test data here, but a habit worth keeping)
            for (Path dir : List.of(profile, downloads)) {
                try {
                    org.springframework.util.FileSystemUtils.deleteRecursively(dir);
                } catch (IOException ignored) {
                    // best effort at JVM exit
                }
            }
        }));
    }

    /**
     * The shared browser for pages at {@code origin}. Without Chromium the calling test is skipped with the install
     * hint, except in CI ({@code CI=true}), where that is a failure.
     */
    static Browser at(String origin) {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) fail("the browser tests need Chromium in CI: " + INSTALL_HINT);
            Assumptions.abort("no Chromium at " + CHROMIUM + " with " + CHROMEDRIVER + ": " + INSTALL_HINT);
        }
        try {
            if (shared == null || !shared.origin.equals(origin)) {
                if (shared != null) shared.driver.quit();
                shared = new Browser(origin);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        shared.consoleErrors(); // what an earlier test left is not this test's
        return shared;
    }

    /**
     * Holds {@code token} in the tab as the pages' sign-in leaves it (sessionStorage, see static/ui/js/auth.js), on
     * the sign-in callback page, which reads no data.
     */
    void signedIn(String token, String fhirUser, List<String> scopes) {
        driver.get(origin + "/ui/callback");
        js("sessionStorage.setItem('caregraph.token', JSON.stringify({accessToken: arguments[0], expiresAt: Date.now() + 3600000, "
                + "scope: arguments[1], fhirUser: arguments[2]}))", token, String.join(" ", scopes), fhirUser);
        consoleErrors();
    }

    /** Opens a page (path and query) and waits until nothing on it is loading. */
    void open(String path) {
        driver.get(origin + path);
        settle();
    }

    /** Waits until the page has no progress indicator and no busy region. */
    void settle() {
        new WebDriverWait(driver, WAIT).until(d -> "complete".equals(js("return document.readyState"))
                && d.findElements(By.cssSelector(".progress, [aria-busy=true]")).isEmpty());
    }

    WebElement waitFor(String css) {
        return new WebDriverWait(driver, WAIT).until(d -> {
            List<WebElement> found = d.findElements(By.cssSelector(css));
            return found.isEmpty() ? null : found.getFirst();
        });
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    int count(String css) {
        return Integer.parseInt(waitFor(css).getAttribute("data-count"));
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    String pathAndQuery() {
        return (String) js("return location.pathname + location.search");
    }

    /** The browser console's errors since the last call (CSP violations, failed requests, uncaught exceptions). */
    List<String> consoleErrors() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::getMessage).toList();
    }

    /**
     * What every page must satisfy: no console error, every resource it loaded from this origin, and an axe-core
     * WCAG 2.1 AA scan with no violation. Then a screenshot of the whole page as target/ui-screenshots/NAME.png.
     */
    void check(String name) {
        settle();
        assertThat(consoleErrors()).as("console errors on %s", name).isEmpty();
        @SuppressWarnings("unchecked")
        List<String> loaded = (List<String>) js("return performance.getEntriesByType('resource').map(e => e.name)");
        assertThat(loaded).as("resources loaded by %s", name).allMatch(u -> u.startsWith(origin + "/") || u.startsWith("blob:"));
        // the pages have no frames: axe need not switch windows to look into any
        Results axe = new AxeBuilder().withTags(WCAG).disableIframeTesting().analyze(driver);
        assertThat(axe.getViolations()).as("axe WCAG 2.1 AA violations on %s:\n%s", name, describe(axe.getViolations())).isEmpty();
        screenshot(name);
    }

    private static String describe(List<Rule> violations) {
        return violations.stream().map(r -> r.getId() + ": " + r.getHelp() + " " + r.getNodes().stream()
                .map(n -> n.getTarget() + " " + n.getHtml()).limit(5).collect(Collectors.joining("; ")))
                .collect(Collectors.joining("\n"));
    }

    /** The whole page (up to 3,000 pixels high) as target/ui-screenshots/NAME.png. */
    void screenshot(String name) {
        long height = Math.min(3000, ((Number) js("return document.documentElement.scrollHeight")).longValue());
        var size = driver.manage().window().getSize();
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(1280, (int) Math.max(800, height)));
        try {
            Files.createDirectories(SCREENSHOTS);
            File shot = driver.getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            driver.manage().window().setSize(size);
        }
    }

    /** Clicks an export button and returns the file it saved (waiting for the download to finish). */
    Path download(WebElement button, String filename) {
        Path file = downloads.resolve(filename);
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        button.click();
        new WebDriverWait(driver, WAIT).until(d -> Files.exists(file) && !Files.exists(Path.of(file + ".crdownload")));
        return file;
    }
}
