package org.caregraph.sql;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.caregraph.security.Access;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * SQL for analysts, shaped like {@code /cypher}: {@code POST /sql {query, parameters?, limit?, timeoutSeconds?,
 * format?}}. JSON (the default) is {@code {columns, types, rows, truncated, rowLimit, elapsedMs}}; {@code format}
 * (or an Accept of text/csv, application/x-ndjson, application/vnd.apache.parquet) asks for CSV, NDJSON or Parquet
 * instead. Only a single SELECT over the store's tables runs ({@link SqlGuard}); parameters are {@code :name} in
 * the text, bound by value. {@code GET /sql} lists the tables with their columns. Query text and parameters may
 * hold PHI: they are never logged.
 */
@RestController
class SqlController {
    private static final Set<String> FIELDS = Set.of("query", "parameters", "limit", "timeoutSeconds", "format", "header");

    private final SqlQueries queries;
    private final SqlStore store;
    private final int defaultLimit;
    private final int maxLimit;
    private final Duration defaultTimeout;
    private final Duration maxTimeout;

    SqlController(SqlQueries queries, SqlStore store,
                  @Value("${caregraph.sql.default-limit:1000}") int defaultLimit,
                  @Value("${caregraph.sql.max-limit:1000000}") int maxLimit,
                  @Value("${caregraph.sql.default-timeout:30s}") Duration defaultTimeout,
                  @Value("${caregraph.sql.max-timeout:300s}") Duration maxTimeout) {
        this.queries = queries;
        this.store = store;
        this.defaultLimit = defaultLimit;
        this.maxLimit = maxLimit;
        this.defaultTimeout = defaultTimeout;
        this.maxTimeout = maxTimeout;
    }

    record SqlResult(List<String> columns, List<String> types, List<List<Object>> rows, boolean truncated, int rowLimit,
                     long elapsedMs) {
    }

    record SqlError(String code, String message) {
    }

    /** The tables analysts can query, each with its columns and where its definition comes from. */
    @GetMapping("/sql")
    Map<String, Object> tables() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("state", store.state().name());
        Map<String, Object> tables = new LinkedHashMap<>();
        for (SqlTable t : store.tables().values().stream().sorted(java.util.Comparator.comparing(SqlTable::name)).toList()) {
            Map<String, Object> table = new LinkedHashMap<>();
            table.put("source", t.source());
            Map<String, String> columns = new LinkedHashMap<>();
            for (SqlColumn c : t.columns()) columns.put(c.name(), c.sqlType());
            table.put("columns", columns);
            tables.put(t.name(), table);
        }
        out.put("tables", tables);
        out.put("building", store.building().stream().sorted().toList());
        return out;
    }

    /** The body is read as a plain map so that every wrong shape is answered as BAD_REQUEST naming the field. */
    @PostMapping("/sql")
    ResponseEntity<SqlResult> run(@RequestBody Map<String, Object> body,
                                  @RequestHeader(value = HttpHeaders.ACCEPT, required = false) String accept,
                                  HttpServletResponse response) throws IOException {
        long started = System.nanoTime();
        for (String field : body.keySet()) {
            if (!FIELDS.contains(field)) throw SqlException.badRequest("unknown field '" + field + "'; expected " + FIELDS);
        }
        if (!(body.get("query") instanceof String query) || query.isBlank()) {
            throw SqlException.badRequest("'query' must be a non-empty string");
        }
        Map<String, Object> parameters = parameters(body.get("parameters"));
        SqlQueries.Format format = format(body.get("format"), accept);
        int limit = (int) whole(body, "limit", format == SqlQueries.Format.JSON ? defaultLimit : maxLimit, maxLimit);
        Duration timeout = Duration.ofSeconds(whole(body, "timeoutSeconds", defaultTimeout.toSeconds(), maxTimeout.toSeconds()));
        if (body.containsKey("header") && !(body.get("header") instanceof Boolean)) {
            throw SqlException.badRequest("'header' must be true or false");
        }
        boolean header = !Boolean.FALSE.equals(body.get("header"));
        if (format == SqlQueries.Format.JSON) {
            SqlQueries.Rows rows = queries.rows(caller(), query, parameters, limit, timeout);
            return ResponseEntity.ok(new SqlResult(rows.columns(), rows.types(), rows.rows(), rows.truncated(), limit,
                    (System.nanoTime() - started) / 1_000_000));
        }
        // written whole before the response starts, so an error is still an error status, not a cut-off body
        Path file = spoolFile();
        try (OutputStream out = Files.newOutputStream(file)) {
            queries.write(caller(), query, parameters, Map.of(), limit, timeout, format, header, out);
        } catch (IOException e) {
            delete(file);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            delete(file);
            throw e;
        }
        try {
            response.setStatus(200);
            response.setContentType(format.mediaType());
            response.setContentLengthLong(Files.size(file));
            Files.copy(file, response.getOutputStream());
        } finally {
            delete(file);
        }
        return null;
    }

    private static SqlQueries.Caller caller() {
        return new SqlQueries.Caller(Access.current(), "POST /sql");
    }

    private Path spoolFile() {
        try {
            return Files.createTempFile(store.spool(), "sql-", ".out");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the spool is emptied at the next start
        }
    }

    private static SqlQueries.Format format(Object field, String accept) {
        if (field != null) {
            if (!(field instanceof String s)) throw SqlException.badRequest("'format' must be one of json, ndjson, csv, parquet");
            return SqlQueries.Format.of(s);
        }
        if (accept != null) {
            for (MediaType m : MediaType.parseMediaTypes(accept)) {
                for (SqlQueries.Format f : SqlQueries.Format.values()) {
                    if (f != SqlQueries.Format.JSON && m.isCompatibleWith(MediaType.parseMediaType(f.mediaType())) && !m.isWildcardType()) return f;
                }
            }
        }
        return SqlQueries.Format.JSON;
    }

    private static long whole(Map<String, Object> body, String field, long fallback, long max) {
        Object v = body.get(field);
        if (v == null) return fallback;
        if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < 1 || ((Number) v).longValue() > max) {
            throw SqlException.badRequest("'" + field + "' must be a whole number from 1 to " + max);
        }
        return ((Number) v).longValue();
    }

    private static Map<String, Object> parameters(Object v) {
        if (v == null) return Map.of();
        if (!(v instanceof Map<?, ?> map)) throw SqlException.badRequest("'parameters' must be a JSON object of name: value");
        Map<String, Object> out = new LinkedHashMap<>();
        map.forEach((k, x) -> {
            if (x instanceof Map<?, ?> || x instanceof List<?>) {
                throw SqlException.badRequest("parameter '" + k + "' must be a string, number, boolean or null");
            }
            if (x instanceof BigInteger b && b.bitLength() > 63) {
                // found by the fuzzer: it was a 500
                throw SqlException.badRequest("parameter '" + k + "' is a whole number outside the 64-bit range");
            }
            out.put(String.valueOf(k), x instanceof BigInteger b ? b.longValue() : x instanceof BigDecimal d ? d.doubleValue() : x);
        });
        return out;
    }

    @ExceptionHandler(SqlException.class)
    ResponseEntity<SqlError> refused(SqlException e) {
        var answer = ResponseEntity.status(e.status()).contentType(MediaType.APPLICATION_JSON);
        // busy slots and a store still building free up within seconds
        if (e.status() == HttpStatus.SERVICE_UNAVAILABLE && !"OUT_OF_MEMORY".equals(e.code())) answer.header("Retry-After", "5");
        return answer.body(new SqlError(e.code(), e.getMessage()));
    }

    @ExceptionHandler({HttpMessageNotReadableException.class, HttpMediaTypeNotSupportedException.class})
    ResponseEntity<SqlError> unreadable(Exception e) {
        // Spring's own message may quote the body, i.e. the query: not echoed, not logged.
        return ResponseEntity.status(HttpStatus.BAD_REQUEST).contentType(MediaType.APPLICATION_JSON).body(new SqlError("BAD_REQUEST",
                "the body must be a JSON object {query, parameters?, limit?, timeoutSeconds?, format?} sent as application/json"));
    }
}
