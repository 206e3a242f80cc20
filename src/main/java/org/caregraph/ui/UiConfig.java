package org.caregraph.ui;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Routes of the pages and the headers of every response. Each deep link is served the static page of its view (the
 * page's module reads the ids from the path), so a reload or a shared link lands on the same view.
 */
@Configuration
class UiConfig implements WebMvcConfigurer {
    /**
     * Everything from this origin and nothing else: no CDN, no inline script, no framing. Images may be data: and blob:
     * URLs because chart exports draw the SVG into a canvas through one.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
            + "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    @Override
    public void addViewControllers(ViewControllerRegistry registry) {
        registry.addViewController("/").setViewName("forward:/ui/home.html");
        registry.addViewController("/ui").setViewName("redirect:/");
        registry.addViewController("/ui/").setViewName("redirect:/");
        registry.addViewController("/ui/patient/{id}").setViewName("forward:/ui/journey.html");
        registry.addViewController("/ui/patient/{id}/similar").setViewName("forward:/ui/similar.html");
        registry.addViewController("/ui/patient/{id}/care-team").setViewName("forward:/ui/network.html");
        registry.addViewController("/ui/practitioner/{id}").setViewName("forward:/ui/network.html");
        registry.addViewController("/ui/pathways").setViewName("forward:/ui/pathways.html");
        registry.addViewController("/ui/cohort").setViewName("forward:/ui/cohort.html");
        registry.addViewController("/ui/callback").setViewName("forward:/ui/callback.html");
        registry.addViewController("/graphiql").setViewName("forward:/ui/graphiql.html");
    }

    @Bean
    OncePerRequestFilter securityHeaders() {
        return new OncePerRequestFilter() {
            @Override
            protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                    throws ServletException, IOException {
                response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
                response.setHeader("X-Content-Type-Options", "nosniff");
                // tokens never leave in a Referer, and page URLs carry no names, but ids are still nobody else's business
                response.setHeader("Referrer-Policy", "no-referrer");
                chain.doFilter(request, response);
            }
        };
    }
}
