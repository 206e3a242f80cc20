package org.caregraph.security.authz;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The authorization server's own filter chain for {@code /auth/**}, ahead of the API chain: the one place with a
 * session and a cookie. The sign-in is Spring Security's form login (password check against {@link Users} with the
 * delegating password encoder, a new session id at sign-in, the saved authorize request to return to), every form is
 * CSRF-protected, and the pages are never framed and run no script (their CSP: {@link AuthPages#csp}). The token endpoint reads no cookie and takes
 * no CSRF token: its clients authenticate themselves. Also the exact servlet mapping that serves the SMART
 * configuration under the FHIR base, beside HAPI's {@code /fhir/*}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class AuthorizationServerConfig {

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    SecurityFilterChain authorizationServerChain(HttpSecurity http, Users users) throws Exception {
        DaoAuthenticationProvider passwords = new DaoAuthenticationProvider(users);
        passwords.setPasswordEncoder(Users.PASSWORDS);
        http.securityMatcher("/auth/**")
                .authorizeHttpRequests(a -> a.anyRequest().permitAll()) // each endpoint checks its own caller
                .authenticationManager(new ProviderManager(passwords))
                .csrf(c -> c.ignoringRequestMatchers("/auth/token"))
                .requestCache(r -> r.requestCache(AuthorizeEndpoint.REQUESTS))
                .formLogin(f -> f.loginPage("/auth/login").failureUrl("/auth/login?error").defaultSuccessUrl("/", false))
                .logout(l -> l.logoutUrl("/auth/logout").logoutSuccessUrl("/auth/login?signedOut"));
        return http.build();
    }

    @Bean
    ServletRegistrationBean<SmartDiscovery.FhirBaseServlet> fhirSmartConfiguration(SmartDiscovery discovery) {
        ServletRegistrationBean<SmartDiscovery.FhirBaseServlet> bean = new ServletRegistrationBean<>(
                new SmartDiscovery.FhirBaseServlet(discovery), "/fhir/.well-known/smart-configuration");
        bean.setName("fhirSmartConfiguration");
        return bean;
    }
}
