package org.caregraph.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The server's public base URL, which is the {@code iss} of CareGraph's own tokens and the root of every URL the
 * discovery documents publish (the token URL a client assertion's {@code aud} must name, the FHIR base an authorize
 * request's {@code aud} must name). Configured ({@code caregraph.security.issuer}: what clients reach, e.g. a proxy's
 * https URL), or derived once the HTTP server has started: scheme from whether it serves TLS, host from
 * {@code server.address}, the bound port. It never comes from a request's Host header, so a client cannot choose it.
 */
@Component
public class ServerUrls implements ApplicationListener<WebServerInitializedEvent> {
    private static final Logger log = LoggerFactory.getLogger(ServerUrls.class);

    private final Environment env;
    private volatile String base;

    public ServerUrls(Environment env) {
        this.env = env;
        String configured = env.getProperty("caregraph.security.issuer", "");
        if (!configured.isBlank()) base = stripSlash(configured.strip());
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        if (base != null || event.getApplicationContext().getServerNamespace() != null) return; // configured; or a management server
        boolean tls = env.containsProperty("server.ssl.bundle") || env.containsProperty("server.ssl.key-store")
                || env.containsProperty("server.ssl.certificate");
        String address = env.getProperty("server.address", "127.0.0.1");
        String host = host(address);
        base = (tls ? "https://" : "http://") + host + ":" + event.getWebServer().getPort();
        if (env.getProperty("caregraph.tls.proxy", Boolean.class, false) || !host.equals(address)) {
            log.warn("caregraph.security.issuer is not set: tokens name {} as their issuer; set it to the URL clients reach "
                    + "the server at (a proxy's, a DNS name) so that their token requests and tokens match it", base);
        }
    }

    /** A bindable address as a URL host: a wildcard address becomes this machine's name, IPv6 is bracketed. */
    private static String host(String address) {
        try {
            InetAddress a = InetAddress.getByName(address);
            if (a.isAnyLocalAddress()) return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return address;
        }
        return address.contains(":") && !address.startsWith("[") ? "[" + address + "]" : address;
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** The issuer: the base URL, without a trailing slash. */
    public String issuer() {
        String b = base;
        if (b == null) {
            throw new IllegalStateException("the server's URL is not known before its HTTP server has started "
                    + "(set caregraph.security.issuer)");
        }
        return b;
    }

    /** Whether the issuer is known yet (configured, or the HTTP server has started). */
    public boolean known() {
        return base != null;
    }

    public String fhirBase() {
        return issuer() + "/fhir";
    }

    public String tokenUrl() {
        return issuer() + "/auth/token";
    }

    public String authorizeUrl() {
        return issuer() + "/auth/authorize";
    }

    public String jwksUrl() {
        return issuer() + "/.well-known/jwks.json";
    }
}
