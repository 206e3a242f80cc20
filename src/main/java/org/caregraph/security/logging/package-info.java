/**
 * Keeps protected health information out of the logs: stack traces are written without exception messages (which
 * often quote the input that failed), see {@code logback-spring.xml} and the logger levels in
 * {@code application.properties}; docs/security.md lists what is kept out and how it is tested.
 */
package org.caregraph.security.logging;
