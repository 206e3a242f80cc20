package org.caregraph.security.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.caregraph.CareGraphApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * Plain HTTP on a non-loopback address: CareGraph refuses to start (before its database) and says what to do, unless a
 * TLS-terminating proxy is declared; then X-Forwarded-Proto/-For are believed from the trusted proxy addresses only
 * (loopback by default), and a request the proxy received over HTTPS gets HSTS. The proxy cases run CareGraph's
 * transport wiring (the environment post-processor, Tomcat's remote-IP handling, the HSTS filter) on a bare Tomcat
 * with an echo servlet, so no database is started for them.
 */
@ExtendWith(OutputCaptureExtension.class)
class ProxyAndBindingTest {
    @TempDir Path dir;

    @Test
    void plainHttpOnANonLoopbackAddressDoesNotStartAndSaysWhatToDo(CapturedOutput out) {
        for (String address : new String[] {"0.0.0.0", ""}) {
            Path data = dir.resolve("data" + address.length());
            assertThatThrownBy(() -> new SpringApplicationBuilder(CareGraphApplication.class).run(
                    "--server.address=" + address, "--server.port=0", "--caregraph.neo4j.data-dir=" + data))
                    .isInstanceOf(InsecureTransportException.class)
                    .hasMessageContaining("plain HTTP on " + (address.isEmpty() ? "all interfaces" : address));
            assertThat(data).as("refused before the database started").doesNotExist();
        }
        assertThat(out.getAll()).contains("APPLICATION FAILED TO START").contains("CAREGRAPH_TLS_CERT")
                .contains("CAREGRAPH_TLS_PROXY=true");
    }

    @Test
    void aDeclaredProxyAllowsANonLoopbackAddress() {
        // port -1: the decision is taken and the context starts, but no socket is opened on every interface
        try (ConfigurableApplicationContext ctx = bareTomcat("--server.address=0.0.0.0", "--server.port=-1",
                "--caregraph.tls.proxy=true")) {
            assertThat(ctx.isRunning()).isTrue();
        }
        assertThatThrownBy(() -> bareTomcat("--server.address=0.0.0.0", "--server.port=-1").close())
                .isInstanceOf(InsecureTransportException.class);
    }

    @Test
    void forwardedHeadersAreBelievedFromTheTrustedProxyOnly() throws Exception {
        try (ConfigurableApplicationContext ctx = bareTomcat("--server.port=0", "--caregraph.tls.proxy=true")) {
            HttpResponse<String> viaProxy = echo(ctx, "X-Forwarded-Proto", "https", "X-Forwarded-For", "203.0.113.7");
            assertThat(viaProxy.body()).isEqualTo("secure=true remote=203.0.113.7");
            assertThat(viaProxy.headers().firstValue("Strict-Transport-Security")).hasValue("max-age=31536000");
            HttpResponse<String> direct = echo(ctx);
            assertThat(direct.body()).isEqualTo("secure=false remote=127.0.0.1");
            assertThat(direct.headers().firstValue("Strict-Transport-Security")).isEmpty();
        }
        // the proxy is elsewhere: the same headers from 127.0.0.1 are a client's claim, not the proxy's
        try (ConfigurableApplicationContext ctx = bareTomcat("--server.port=0", "--caregraph.tls.proxy=true",
                "--caregraph.tls.trusted-proxies=10\\.9\\.8\\.7")) {
            HttpResponse<String> spoofed = echo(ctx, "X-Forwarded-Proto", "https", "X-Forwarded-For", "203.0.113.7");
            assertThat(spoofed.body()).isEqualTo("secure=false remote=127.0.0.1");
            assertThat(spoofed.headers().firstValue("Strict-Transport-Security")).isEmpty();
        }
        // no proxy declared: forwarded headers mean nothing
        try (ConfigurableApplicationContext ctx = bareTomcat("--server.port=0")) {
            assertThat(echo(ctx, "X-Forwarded-Proto", "https", "X-Forwarded-For", "203.0.113.7").body())
                    .isEqualTo("secure=false remote=127.0.0.1");
        }
    }

    private static ConfigurableApplicationContext bareTomcat(String... args) {
        return new SpringApplicationBuilder(BareTomcat.class).properties("server.address=127.0.0.1").run(args);
    }

    private static HttpResponse<String> echo(ConfigurableApplicationContext ctx, String... headers) throws Exception {
        int port = ((WebServerApplicationContext) ctx).getWebServer().getPort();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/echo"));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @SpringBootConfiguration
    @ImportAutoConfiguration(TomcatServletWebServerAutoConfiguration.class)
    @EnableConfigurationProperties(TlsProperties.class)
    @Import(HstsConfig.class)
    static class BareTomcat {
        @Bean
        ServletRegistrationBean<HttpServlet> echoServlet() {
            return new ServletRegistrationBean<>(new HttpServlet() {
                @Override
                protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                    resp.getWriter().write("secure=" + req.isSecure() + " remote=" + req.getRemoteAddr());
                }
            }, "/echo");
        }
    }
}
