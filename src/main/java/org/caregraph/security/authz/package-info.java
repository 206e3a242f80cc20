/**
 * CareGraph's built-in SMART App Launch 2.x / Backend Services authorization server: the discovery documents
 * ({@code /.well-known/smart-configuration} at the root and under {@code /fhir}, OpenID configuration, JWKS, the
 * CapabilityStatement's {@code rest.security}); the token endpoint ({@code /auth/token}: client_credentials with
 * private_key_jwt, authorization_code with PKCE, rotating refresh tokens); the authorize endpoint with its sign-in
 * form for local users and the standalone patient picker ({@code /auth/authorize}); scope negotiation; and the
 * registered clients, local users and refresh grants, kept in the graph as nodes of their own (not resources) and
 * administered from the CLI. Tokens are signed by {@link org.caregraph.security.TokenIssuer} with
 * {@link org.caregraph.security.SigningKeys}; the resource server side is {@link org.caregraph.security.SecurityConfig}.
 */
package org.caregraph.security.authz;
