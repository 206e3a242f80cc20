package org.caregraph.security.transport;

import org.apache.catalina.filters.HttpHeaderSecurityFilter;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * HSTS on every response to a secure request (HTTPS, or X-Forwarded-Proto https from a trusted proxy), set before any
 * other filter so error and 401 answers carry it too. Tomcat's own filter does it; the other headers it can add are
 * left to the rest of the security layer, except nosniff, which no API response needs to go without.
 */
@Configuration(proxyBeanMethods = false)
class HstsConfig {
    @Bean
    FilterRegistrationBean<HttpHeaderSecurityFilter> hstsFilter(TlsProperties tls) {
        HttpHeaderSecurityFilter filter = new HttpHeaderSecurityFilter();
        filter.setHstsEnabled(true);
        filter.setHstsMaxAgeSeconds((int) Math.min(Integer.MAX_VALUE, tls.hstsMaxAge().toSeconds()));
        filter.setHstsIncludeSubDomains(tls.hstsIncludeSubdomains());
        filter.setAntiClickJackingEnabled(false);
        filter.setBlockContentTypeSniffingEnabled(true);
        FilterRegistrationBean<HttpHeaderSecurityFilter> registration = new FilterRegistrationBean<>(filter);
        registration.setName("hsts");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }
}
