package org.caregraph.security.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.caregraph.TestCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `caregraph serve --tls-cert --tls-key` in its own JVM, whose JDK is told to allow TLS 1.0/1.1 (as some JDK builds
 * do): HTTPS works with TLS 1.3 and 1.2 and carries HSTS, TLS 1.1 is refused by CareGraph's own setting, plain HTTP on
 * the port gets no data, and the embedded Neo4j password is printed once, on its own line, never in a log line.
 */
class HttpsServeTest {
    @TempDir static Path dir;
    static Process server;
    static final List<String> output = Collections.synchronizedList(new ArrayList<>());
    static int port;
    static TestCertificate tls;

    @BeforeAll
    static void serve() throws Exception {
        tls = TestCertificate.create(dir.resolve("tls"));
        Path jdkAllowsOldTls = Files.writeString(dir.resolve("java.security"), """
                jdk.tls.disabledAlgorithms=SSLv3, DTLSv1.0, RC4, DES, MD5withRSA, DH keySize < 1024, EC keySize < 224, \
                3DES_EDE_CBC, anon, NULL
                """);
        ProcessBuilder pb = new ProcessBuilder(org.caregraph.CliProcess.java(List.of("-Djava.security.properties=" + jdkAllowsOldTls),
                "serve", "--port", "0", "--bolt-port", "0", "--data-dir", dir.resolve("data").toString(),
                "--tls-cert", tls.cert().toString(), "--tls-key", tls.key().toString()))
                .redirectErrorStream(true);
        pb.environment().put("CAREGRAPH_PAGECACHE", "64m");
        server = pb.start();
        Pattern ready = Pattern.compile("CareGraph ready: https://127\\.0\\.0\\.1:(\\d+)");
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(server.getInputStream()))) {
                for (String line; (line = r.readLine()) != null; ) output.add(line);
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (port == 0 && System.nanoTime() < deadline && server.isAlive()) {
            synchronized (output) {
                for (String line : output) {
                    Matcher m = ready.matcher(line);
                    if (m.find()) port = Integer.parseInt(m.group(1));
                }
            }
            Thread.sleep(200);
        }
        assertThat(port).as("serve started with HTTPS; output:\n%s", String.join("\n", output)).isPositive();
        assertThat(reader.isAlive()).isTrue();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server == null) return;
        server.destroy(); // SIGTERM: Neo4j closes cleanly
        if (!server.waitFor(2, TimeUnit.MINUTES)) server.destroyForcibly();
    }

    @Test
    void httpsWithTls13And12CarriesHsts() throws Exception {
        for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
            HttpResponse<String> r = client(protocol).send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + port + "/fhir/metadata")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(protocol).isEqualTo(200);
            assertThat(r.body()).contains("\"CapabilityStatement\"");
            assertThat(r.sslSession()).hasValueSatisfying(s -> assertThat(s.getProtocol()).isEqualTo(protocol));
            assertThat(r.headers().firstValue("Strict-Transport-Security")).hasValue("max-age=31536000");
        }
    }

    @Test
    void tls11IsRefusedThoughTheJdkWouldAllowIt() throws Exception {
        assertThat(TlsProbe.serverHelloVersion(port, TlsProbe.TLS_1_2)).as("the probe works").isEqualTo(TlsProbe.TLS_1_2);
        assertThat(TlsProbe.serverHelloVersion(port, TlsProbe.TLS_1_1)).isEqualTo(-1);
    }

    @Test
    void plainHttpOnTheHttpsPortGetsNoData() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/fhir/metadata")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).doesNotContain("CapabilityStatement");
    }

    @Test
    void theNeo4jPasswordIsPrintedOnceAndNeverLogged() throws Exception {
        String password = Files.readString(dir.resolve("data").resolve("neo4j-password")).strip();
        List<String> withPassword;
        synchronized (output) {
            withPassword = output.stream().filter(l -> l.contains(password)).toList();
        }
        assertThat(withPassword).hasSize(1);
        assertThat(withPassword.getFirst()).startsWith("Neo4j (embedded): bolt://127.0.0.1:")
                .contains("user neo4j, password " + password);
    }

    private static HttpClient client(String protocol) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(tls.cert())) {
            trust.setCertificateEntry("test", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ssl).sslParameters(new SSLParameters(null, new String[] {protocol}))
                .version(HttpClient.Version.HTTP_1_1).build();
    }
}
