/**
 * Transport security of the HTTP APIs: HTTPS from PEM files (TLS 1.3 and 1.2 only) through Spring Boot's SSL bundles,
 * HSTS on secure responses, the refusal to serve plain HTTP on a non-loopback address unless a TLS-terminating proxy is
 * declared (whose X-Forwarded-* headers are then trusted from its addresses only). The embedded Neo4j's own transport
 * and authentication live with it in {@code org.caregraph.graph}.
 */
package org.caregraph.security.transport;
