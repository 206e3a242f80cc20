/**
 * The web UI: the pages (home, patient journey, pathways, similar patients, care team, practitioner network, cohort
 * builder, GraphiQL) as static HTML and plain ES modules under {@code static/}, their libraries as WebJars, the routes
 * that map the pages' deep links onto them, and the same-origin Content-Security-Policy every response carries. The
 * pages are a SMART app: their data comes from the GraphQL and FHIR APIs with the signed-in user's token.
 */
package org.caregraph.ui;
