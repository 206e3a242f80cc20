package org.caregraph.security;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.caregraph.audit.AuditTrail;
import org.caregraph.security.transport.TransportEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationManagerResolver;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtTypeValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.authentication.JwtIssuerAuthenticationManagerResolver;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.context.SecurityContextHolderFilter;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Secure by default: every endpoint needs a valid bearer token except what a client needs before it has one (the
 * CapabilityStatement, the SMART discovery documents, the authorization server's endpoints and keys) and the health
 * probes. Tokens of CareGraph's own authorization server are verified against {@link SigningKeys}; tokens of configured
 * identity providers against their JWKS. Paths that cannot be confined to a patient need their own CareGraph scope
 * here; FHIR and GraphQL check resource scopes per interaction and confine data in the doors.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET) // the CLI commands serve no HTTP
public class SecurityConfig {
    private static final Logger log = LoggerFactory.getLogger(SecurityConfig.class);

    /**
     * Answered without a token: nothing here holds PHI. Discovery, the authorization server and its keys (a client
     * needs them to get a token), the health probes (an orchestrator has no token), and the web pages' static files
     * (their data comes from the APIs, with the signed-in user's token).
     */
    public static final List<String> PUBLIC_PATHS = List.of(
            "/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration", "/.well-known/jwks.json",
            "/.well-known/openid-configuration",
            "/auth/**", "/actuator/health/liveness", "/actuator/health/readiness",
            "/", "/index.html", "/ui/**", "/webjars/**", "/graphiql", "/favicon.ico");

    @Bean
    SecurityFilterChain securityFilterChain(HttpSecurity http, SecurityProperties props, SecurityErrors errors,
                                            AccessContexts contexts, SigningKeys keys, ServerUrls urls, AuditTrail audit,
                                            @Value("${server.address:127.0.0.1}") String address,
                                            @Value("${caregraph.cors.allowed-origins:}") List<String> corsOrigins) throws Exception {
        http.csrf(c -> c.disable()) // bearer tokens, no cookies: nothing for a cross-site request to ride on
                .cors(c -> c.configurationSource(cors(corsOrigins)))
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .exceptionHandling(e -> e.authenticationEntryPoint(errors).accessDeniedHandler(errors))
                // every PHI request is recorded, refused ones too: right after the security context is set up
                .addFilterAfter(audit.filter(), SecurityContextHolderFilter.class);
        if (!props.enabled()) {
            requireLoopback(address);
            log.warn("""
                    ************************************************************************************************
                    * AUTHENTICATION IS OFF (caregraph.security.enabled=false): every request on {} gets full      *
                    * access to every patient's record, unaudited as to who. Never use this with real patient data. *
                    ************************************************************************************************""", address);
            http.addFilterBefore(new OpenAccessFilter(), AnonymousAuthenticationFilter.class)
                    .authorizeHttpRequests(a -> a.anyRequest().permitAll());
            return http.build();
        }
        http.authorizeHttpRequests(a -> a
                        .dispatcherTypeMatchers(DispatcherType.ERROR).permitAll()
                        .requestMatchers(HttpMethod.GET, "/fhir/metadata").permitAll()
                        .requestMatchers(PUBLIC_PATHS.toArray(String[]::new)).permitAll()
                        .requestMatchers("/cypher").hasAuthority(authority(CareGraphScope.CYPHER))
                        .requestMatchers("/sql", "/sql/**").hasAuthority(authority(CareGraphScope.SQL))
                        .requestMatchers("/import", "/import/**").hasAuthority(authority(CareGraphScope.IMPORT))
                        .requestMatchers("/nlp").hasAuthority(authority(CareGraphScope.NLP))
                        .requestMatchers("/actuator/**").hasAuthority(authority(CareGraphScope.METRICS))
                        .requestMatchers("/admin/**").hasAuthority(authority(CareGraphScope.ADMIN))
                        .anyRequest().authenticated())
                .oauth2ResourceServer(o -> o.authenticationManagerResolver(issuers(props, contexts, keys, urls))
                        .authenticationEntryPoint(errors).accessDeniedHandler(errors));
        return http.build();
    }

    /**
     * CORS for browser apps on the configured origins: any method and the headers FHIR clients send (the bearer token
     * in Authorization, Prefer, If-Match...), FHIR's response headers readable; preflights are answered before
     * authentication (a browser sends no token with them). No origin configured: no cross-origin access.
     */
    static CorsConfigurationSource cors(List<String> origins) {
        CorsConfiguration config = new CorsConfiguration();
        origins.stream().map(String::strip).filter(o -> !o.isEmpty()).forEach(config::addAllowedOriginPattern);
        config.setAllowedMethods(List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"));
        config.addAllowedHeader("*");
        config.setExposedHeaders(List.of("Location", "Content-Location", "ETag", "Last-Modified", "X-Progress",
                "Retry-After", "X-Request-ID"));
        config.setMaxAge(3600L);
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        // discovery, keys and the token endpoint are for apps on any origin (SMART App Launch): no cookie is read there
        CorsConfiguration open = new CorsConfiguration();
        open.addAllowedOrigin("*");
        open.setAllowedMethods(List.of("GET", "POST", "OPTIONS"));
        open.addAllowedHeader("*");
        open.setMaxAge(3600L);
        for (String path : List.of("/.well-known/**", "/fhir/.well-known/**", "/auth/token")) source.registerCorsConfiguration(path, open);
        if (config.getAllowedOriginPatterns() != null) source.registerCorsConfiguration("/**", config);
        return source;
    }

    static String authority(CareGraphScope scope) {
        return "SCOPE_" + scope.scope;
    }

    /**
     * Our own issuer and every configured identity provider, each with its own keys; any other issuer is refused. Our
     * issuer may be known only once the HTTP server has started (its URL is derived from the bound port): its manager
     * is built on first use.
     */
    private static AuthenticationManagerResolver<HttpServletRequest> issuers(SecurityProperties props, AccessContexts contexts,
                                                                             SigningKeys keys, ServerUrls urls) {
        Map<String, AuthenticationManager> external = new HashMap<>();
        for (SecurityProperties.ExternalIssuer e : props.issuers()) {
            NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSetUri(e.jwksUri())
                    .jwsAlgorithms(algs -> e.algorithms().forEach(a -> algs.add(SignatureAlgorithm.from(a))))
                    .build();
            // identity providers write JWT (Keycloak, Entra ID), RFC 9068's at+jwt, or no typ at all (Okta)
            JwtTypeValidator type = new JwtTypeValidator("JWT", "at+jwt", "application/at+jwt");
            type.setAllowEmpty(true);
            List<OAuth2TokenValidator<Jwt>> validators = new java.util.ArrayList<>(List.of(new JwtTimestampValidator(),
                    new JwtIssuerValidator(e.issuer()), type));
            if (e.audience() != null) {
                validators.add(new JwtClaimValidator<List<String>>("aud", aud -> aud != null && aud.contains(e.audience())));
            }
            decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(validators));
            external.put(e.issuer(), manager(decoder, contexts));
        }
        AtomicReference<AuthenticationManager> own = new AtomicReference<>();
        return new JwtIssuerAuthenticationManagerResolver(iss -> {
            if (urls.known() && urls.issuer().equals(iss)) {
                return own.updateAndGet(m -> m != null ? m : manager(ownDecoder(keys, urls.issuer()), contexts));
            }
            return external.get(iss);
        });
    }

    private static AuthenticationManager manager(JwtDecoder decoder, AccessContexts contexts) {
        JwtAuthenticationProvider provider = new JwtAuthenticationProvider(decoder);
        provider.setJwtAuthenticationConverter(contexts);
        return provider::authenticate;
    }

    /** Our tokens: RS256 by one of our published keys, typ at+jwt, our issuer, not expired. */
    static JwtDecoder ownDecoder(SigningKeys keys, String issuer) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt")));
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256),
                (selector, ctx) -> selector.select(keys.publicKeys())));
        NimbusJwtDecoder decoder = new NimbusJwtDecoder(processor);
        decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(List.of(new JwtTimestampValidator(),
                new JwtIssuerValidator(issuer), new JwtTypeValidator("at+jwt"))));
        return decoder;
    }

    private static void requireLoopback(String address) {
        // blank is every interface, an unresolvable name is taken as reachable (TransportEnvironment)
        if (!TransportEnvironment.isLoopback(address)) {
            throw new IllegalStateException("caregraph.security.enabled=false is allowed only on a loopback address, "
                    + "not server.address=" + address);
        }
    }

    /** Authentication off: every request runs with the open context. */
    private static final class OpenAccessFilter extends OncePerRequestFilter {
        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            var context = SecurityContextHolder.createEmptyContext();
            context.setAuthentication(new AccessAuthentication(AccessContext.open(), null, List.of()));
            SecurityContextHolder.setContext(context);
            chain.doFilter(request, response);
        }
    }
}
