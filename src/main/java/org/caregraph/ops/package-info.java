/**
 * What operators watch (issue #18): a request id on every request (the MDC key {@code requestId} in every log line,
 * echoed as {@code X-Request-Id}), the metrics Spring Boot does not make by itself (FHIR requests by route, the
 * embedded Neo4j page cache), and the health groups behind the liveness and readiness probes. Metrics are exported at
 * {@code /actuator/prometheus}; {@code docs/grafana/caregraph.json} is a dashboard of them.
 */
package org.caregraph.ops;
