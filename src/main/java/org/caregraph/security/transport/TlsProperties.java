package org.caregraph.security.transport;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How the HTTP APIs are reached: {@code cert} and {@code key} (PEM files; the key optionally encrypted with
 * {@code keyPassword}) turn HTTPS on; {@code proxy} declares that a reverse proxy in front terminates TLS, whose
 * X-Forwarded-* headers are honoured only from addresses matching {@code trustedProxies} (a regular expression).
 */
@ConfigurationProperties("caregraph.tls")
public record TlsProperties(
        Path cert,
        Path key,
        String keyPassword,
        boolean proxy,
        String trustedProxies,
        Duration hstsMaxAge,
        boolean hstsIncludeSubdomains) {

    /** Loopback only: a proxy elsewhere must be named explicitly. */
    static final String LOOPBACK_PROXIES = "127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}|0:0:0:0:0:0:0:1|::1";

    public TlsProperties {
        if ((cert == null) != (key == null)) {
            throw new IllegalArgumentException("HTTPS needs both a certificate and a key (CAREGRAPH_TLS_CERT and "
                    + "CAREGRAPH_TLS_KEY, or serve --tls-cert and --tls-key)");
        }
        if (trustedProxies == null || trustedProxies.isBlank()) trustedProxies = LOOPBACK_PROXIES;
        if (hstsMaxAge == null) hstsMaxAge = Duration.ofDays(365);
    }

    public boolean https() {
        return cert != null;
    }
}
