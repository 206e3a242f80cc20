package org.caregraph.sql;

import java.time.Instant;
import java.util.Map;
import org.caregraph.security.AccessContext;

/**
 * The audit hook of the SQL analytics: every statement an analyst sends (POST /sql, {@code $sqlquery-run} and its
 * export, {@code $sql-run} on a SQLQuery, {@code caregraph sql}) is published as this event once it has run or been
 * refused, whoever sent it and whatever the outcome. The query text and parameters may hold PHI: they travel in this
 * event to the audit log and are never logged. (The audit package that records these is being built in parallel;
 * until it listens, the event is the place to hang it on.)
 *
 * @param via     where the statement came in: {@code POST /sql}, {@code $sqlquery-run}, {@code caregraph sql}...
 * @param outcome {@code ok}, or the refusal or failure code (REJECTED, SQL_SYNTAX, TIMEOUT...)
 * @param rows    rows returned or written (0 when it did not run)
 */
public record SqlQueried(Instant at, AccessContext access, String via, String query, Map<String, ?> parameters,
                         String outcome, long rows) {
}
