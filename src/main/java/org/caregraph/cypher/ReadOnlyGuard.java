package org.caregraph.cypher;

import org.caregraph.security.AccessContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.caregraph.graph.GraphReader;
import org.neo4j.driver.Value;
import org.neo4j.driver.summary.Plan;
import org.neo4j.driver.summary.QueryType;
import org.neo4j.driver.summary.ResultSummary;
import org.springframework.stereotype.Component;

/**
 * Refuses a query before it runs unless its plan proves it only reads the application's database. The check is made in
 * the application, so it holds whatever the deployment (embedded or an external server whose user may write): the
 * query is planned with {@code EXPLAIN} (nothing executes), the database's own classification must be READ_ONLY, and
 * the plan is walked for reads that the classification lets through: LOAD CSV (server files and URLs), CALL ... IN
 * TRANSACTIONS (commits of its own), procedures that are not plain reads, and commands that show or stop other
 * sessions' work or the server's configuration.
 */
@Component
class ReadOnlyGuard {
    /** Commands planned as reads that only describe the schema and the callable API: harmless for analysts. */
    private static final Set<String> ALLOWED_COMMANDS = Set.of("ShowIndexes", "ShowConstraints", "ShowProcedures", "ShowFunctions");

    private final GraphReader graph;
    private final List<String> deniedProcedures;

    ReadOnlyGuard(GraphReader graph, CypherProperties props) {
        this.graph = graph;
        this.deniedProcedures = props.deniedProcedures();
    }

    void check(AccessContext access, String query, Map<String, Object> parameters, Duration timeout) {
        CypherText.check(query);
        ResultSummary summary = graph.runAnalystQuery(access, "EXPLAIN " + query, parameters, timeout, r -> r.consume());
        if (summary.queryType() != QueryType.READ_ONLY) {
            throw CypherException.rejected("only reads are allowed; the database classifies this query as " + summary.queryType());
        }
        String database = summary.database() == null ? null : summary.database().name();
        Set<String> procedures = new LinkedHashSet<>();
        walk(plan(summary), database, procedures);
        checkProcedures(access, procedures);
    }

    @SuppressWarnings("deprecation") // plan() is how the driver still exposes the EXPLAIN plan
    private static Plan plan(ResultSummary summary) {
        if (!summary.hasPlan()) throw CypherException.rejected("the database returned no plan to check");
        return summary.plan();
    }

    private static void walk(Plan plan, String database, Set<String> procedures) {
        // Operator types read "Name@database"; another database means the query reaches beyond the application's.
        String type = plan.operatorType();
        int at = type.indexOf('@');
        String operator = at < 0 ? type : type.substring(0, at);
        if (at >= 0 && database != null && !type.substring(at + 1).equals(database)) {
            throw CypherException.rejected("the query reaches another database than " + database);
        }
        switch (operator) {
            case "LoadCSV" -> throw CypherException.rejected("LOAD CSV is not allowed: it reads files and URLs from the server");
            case "TransactionApply", "TransactionForeach" ->
                    throw CypherException.rejected("CALL { ... } IN TRANSACTIONS is not allowed: it commits transactions of its own");
            case "ProcedureCall" -> procedures.add(procedureName(plan));
            default -> {
                if ((operator.startsWith("Show") || operator.startsWith("Terminate") || operator.startsWith("Administration"))
                        && !ALLOWED_COMMANDS.contains(operator)) {
                    throw CypherException.rejected(operator + " is not allowed: only SHOW INDEXES, CONSTRAINTS, PROCEDURES "
                            + "and FUNCTIONS describe the graph without touching other sessions or the server's settings");
                }
            }
        }
        for (Plan child : plan.children()) walk(child, database, procedures);
    }

    /** The plan describes a call as {@code db.labels() :: (label :: STRING)}. */
    private static String procedureName(Plan plan) {
        Value details = plan.arguments().get("Details");
        String text = details == null || details.isNull() ? "" : details.asString();
        int paren = text.indexOf('(');
        String name = (paren < 0 ? text : text.substring(0, paren)).strip();
        if (name.isEmpty()) throw CypherException.rejected("a procedure call whose name the plan does not show");
        return name;
    }

    /** Only procedures the database declares READ and not admin-only, outside the denied namespaces, may run. */
    private void checkProcedures(AccessContext access, Set<String> names) {
        if (names.isEmpty()) return;
        for (String name : names) {
            for (String prefix : deniedProcedures) {
                if (name.startsWith(prefix)) throw CypherException.rejected("procedure " + name + " is not allowed here");
            }
        }
        Map<String, String> refusals = new LinkedHashMap<>();
        for (String name : names) refusals.put(name, "unknown to the database");
        graph.list(access, "procedure-modes", Map.of("names", new ArrayList<>(names)), r -> {
            String mode = r.get("mode").asString();
            boolean admin = r.get("admin").asBoolean(true);
            String name = r.get("name").asString();
            if (mode.equals("READ") && !admin) refusals.remove(name);
            else refusals.put(name, admin ? "admin-only" : "of mode " + mode);
            return name;
        });
        refusals.entrySet().stream().findFirst().ifPresent(e -> {
            throw CypherException.rejected("procedure " + e.getKey() + " is " + e.getValue() + ": only read procedures may run");
        });
    }
}
