package org.caregraph.cypher;

import org.caregraph.security.AccessContext;
import org.caregraph.security.Access;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.caregraph.graph.GraphReader;
import org.neo4j.driver.Record;
import org.neo4j.driver.exceptions.Neo4jException;
import org.neo4j.driver.exceptions.ServiceUnavailableException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Read-only Cypher for analysts: {@code POST /cypher {query, parameters?, limit?, timeoutSeconds?}} →
 * {@code {columns, rows, truncated, rowLimit, elapsedMs}}. The query is planned and checked by {@link ReadOnlyGuard}
 * before it runs, then runs in a read transaction whose timeout the database enforces; at most {@code limit} rows are
 * read (one more tells that there were more). Query text and parameters may hold PHI: they are never logged.
 */
@RestController
class CypherController {
    private static final Set<String> FIELDS = Set.of("query", "parameters", "limit", "timeoutSeconds");

    private final GraphReader graph;
    private final ReadOnlyGuard guard;
    private final CypherProperties props;

    CypherController(GraphReader graph, ReadOnlyGuard guard, CypherProperties props) {
        this.graph = graph;
        this.guard = guard;
        this.props = props;
    }

    record CypherResult(List<String> columns, List<List<Object>> rows, boolean truncated, int rowLimit, long elapsedMs) {
    }

    record CypherError(String code, String message) {
    }

    private record Page(List<String> columns, List<List<Object>> rows, boolean truncated) {
    }

    /** The body is read as a plain map so that every wrong shape is answered as BAD_REQUEST naming the field. */
    @PostMapping("/cypher")
    CypherResult run(@RequestBody Map<String, Object> body) {
        long started = System.nanoTime();
        for (String field : body.keySet()) {
            if (!FIELDS.contains(field)) throw CypherException.badRequest("unknown field '" + field + "'; expected " + FIELDS);
        }
        if (!(body.get("query") instanceof String query) || query.isBlank()) {
            throw CypherException.badRequest("'query' must be a non-empty string");
        }
        Map<String, Object> parameters = parameters(body.get("parameters"));
        int limit = (int) whole(body, "limit", props.defaultLimit(), props.maxLimit());
        Duration timeout = Duration.ofSeconds(whole(body, "timeoutSeconds", props.defaultTimeout().toSeconds(),
                props.maxTimeout().toSeconds()));

        AccessContext access = Access.current();
        guard.check(access, query, parameters, timeout);
        Page page = graph.runAnalystQuery(access, query, parameters, timeout, result -> {
            List<String> columns = result.keys();
            List<List<Object>> rows = new ArrayList<>();
            // hasNext() fetches row limit+1 only to learn that the result goes on; the rest is never pulled.
            while (result.hasNext()) {
                if (rows.size() == limit) return new Page(columns, rows, true);
                rows.add(row(result.next()));
            }
            return new Page(columns, rows, false);
        });
        return new CypherResult(page.columns(), page.rows(), page.truncated(), limit,
                (System.nanoTime() - started) / 1_000_000);
    }

    private static List<Object> row(Record record) {
        List<Object> row = new ArrayList<>(record.size());
        for (int i = 0; i < record.size(); i++) row.add(CypherValues.json(record.get(i)));
        return row;
    }

    private static long whole(Map<String, Object> body, String field, long fallback, long max) {
        Object v = body.get(field);
        if (v == null) return fallback;
        if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < 1 || ((Number) v).longValue() > max) {
            throw CypherException.badRequest("'" + field + "' must be a whole number from 1 to " + max);
        }
        return ((Number) v).longValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parameters(Object v) {
        if (v == null) return Map.of();
        if (!(v instanceof Map<?, ?> map)) throw CypherException.badRequest("'parameters' must be a JSON object");
        return (Map<String, Object>) plain(map);
    }

    /** JSON numbers as Cypher integers (64-bit) and floats; a number beyond both is refused rather than rounded. */
    private static Object plain(Object v) {
        return switch (v) {
            case Map<?, ?> m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                m.forEach((k, x) -> out.put(String.valueOf(k), x == null ? null : plain(x)));
                yield out;
            }
            case List<?> l -> l.stream().map(x -> x == null ? null : plain(x)).toList();
            case BigInteger b -> {
                if (b.bitLength() > 63) throw CypherException.badRequest("parameter integer " + b + " exceeds 64 bits");
                yield b.longValue();
            }
            case BigDecimal d -> d.doubleValue();
            default -> v;
        };
    }

    @ExceptionHandler(CypherException.class)
    ResponseEntity<CypherError> refused(CypherException e) {
        return error(e.status(), e.code(), e.getMessage());
    }

    @ExceptionHandler({HttpMessageNotReadableException.class, HttpMediaTypeNotSupportedException.class})
    ResponseEntity<CypherError> unreadable(Exception e) {
        // Spring's own message may quote the body, i.e. the query: not echoed, not logged.
        return error(HttpStatus.BAD_REQUEST, "BAD_REQUEST", "the body must be a JSON object {query, parameters?, limit?, "
                + "timeoutSeconds?} sent as application/json");
    }

    /**
     * Errors the database reports. A timeout is 504: the database (upstream of this endpoint) stopped the query at the
     * limit; 408 would claim the client was slow to send its request, and HTTP clients may silently resend on 408.
     */
    @ExceptionHandler(Neo4jException.class)
    ResponseEntity<CypherError> database(Neo4jException e) {
        String code = e.code() == null ? "" : e.code();
        if (e instanceof ServiceUnavailableException) {
            return error(HttpStatus.SERVICE_UNAVAILABLE, "UNAVAILABLE", "the database is not reachable");
        }
        if (code.startsWith("Neo.ClientError.Transaction.TransactionTimedOut")) {
            return error(HttpStatus.GATEWAY_TIMEOUT, "TIMEOUT", "the query ran longer than its timeout and was stopped");
        }
        if (code.equals("Neo.ClientError.Statement.SyntaxError")) return error(HttpStatus.BAD_REQUEST, "CYPHER_SYNTAX", e.getMessage());
        // The server's own guard for a write inside a read transaction, should the plan check ever miss one.
        if (code.equals("Neo.ClientError.Statement.AccessMode")) return error(HttpStatus.FORBIDDEN, "WRITE_REJECTED", e.getMessage());
        if (code.startsWith("Neo.ClientError.")) return error(HttpStatus.BAD_REQUEST, code, e.getMessage());
        if (code.startsWith("Neo.TransientError.")) return error(HttpStatus.SERVICE_UNAVAILABLE, code, e.getMessage());
        return error(HttpStatus.INTERNAL_SERVER_ERROR, code.isEmpty() ? "DATABASE_ERROR" : code, "the database failed");
    }

    private static ResponseEntity<CypherError> error(HttpStatus status, String code, String message) {
        return ResponseEntity.status(status).body(new CypherError(code, message));
    }
}
