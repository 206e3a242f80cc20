package org.caregraph.security.transport;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Turns CareGraph's TLS settings into Spring Boot's own before anything starts: a PEM SSL bundle for the server with
 * TLS 1.3 and 1.2 only, and for a declared proxy Tomcat's X-Forwarded-* handling restricted to the trusted proxy
 * addresses. Refuses to start (before the database) a server that would speak plain HTTP on a non-loopback address.
 * Settings a deployment makes itself in Spring's namespace ({@code server.ssl.*}) take precedence.
 */
public class TransportEnvironment implements EnvironmentPostProcessor {
    static final String BUNDLE = "caregraph";
    private static final String PROTOCOLS = "TLSv1.3,TLSv1.2";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment env, SpringApplication application) {
        TlsProperties tls = Binder.get(env).bindOrCreate("caregraph.tls", TlsProperties.class);
        Map<String, Object> spring = new LinkedHashMap<>();
        if (tls.https()) {
            String prefix = "spring.ssl.bundle.pem." + BUNDLE + ".";
            spring.put(prefix + "keystore.certificate", "file:" + tls.cert().toAbsolutePath());
            spring.put(prefix + "keystore.private-key", "file:" + tls.key().toAbsolutePath());
            if (tls.keyPassword() != null && !tls.keyPassword().isEmpty()) {
                spring.put(prefix + "keystore.private-key-password", tls.keyPassword());
            }
            spring.put(prefix + "options.enabled-protocols", PROTOCOLS);
            spring.put("server.ssl.bundle", BUNDLE);
        }
        if (tls.proxy()) {
            spring.put("server.forward-headers-strategy", "native");
            spring.put("server.tomcat.remoteip.internal-proxies", tls.trustedProxies());
            spring.put("server.tomcat.remoteip.remote-ip-header", "X-Forwarded-For");
            spring.put("server.tomcat.remoteip.protocol-header", "X-Forwarded-Proto");
        }
        if (!spring.isEmpty()) env.getPropertySources().addLast(new MapPropertySource("caregraphTransport", spring));

        if (application.getWebApplicationType() == WebApplicationType.NONE) return;
        String address = env.getProperty("server.address", "");
        boolean https = env.containsProperty("server.ssl.bundle") || env.containsProperty("server.ssl.key-store")
                || env.containsProperty("server.ssl.certificate");
        if (!https && !tls.proxy() && !isLoopback(address)) {
            throw new InsecureTransportException(address.isBlank() ? "all interfaces" : address);
        }
    }

    /** Blank means every interface; a name that does not resolve is treated as reachable (fail closed). */
    public static boolean isLoopback(String address) {
        if (address == null || address.isBlank()) return false;
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
