package org.caregraph.audit;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import java.util.List;

/**
 * What an audited request does, as its AuditEvent says it: the event type, the subtype (a FHIR restful interaction,
 * or a CareGraph code of {@link #CAREGRAPH_SUBTYPES} for what FHIR has no code for), the action (C, R, U, D, E), the
 * FHIR operation if any, the resource or job the URL names, and whether the request body is the query to keep
 * (GraphQL, Cypher, SQL, an import's inputs). Decided from the method and path; for FHIR, HAPI's own reading of the
 * request (transaction or batch) wins when the request reached HAPI.
 *
 * @param type      event type as {@code system|code}
 * @param subtype   subtype as {@code system|code}
 * @param operation a FHIR operation's name ({@code $everything}), or null
 * @param resource  the FHIR resource the URL names ({@code Type/id}, {@code Type/id/_history/v}), or null
 * @param job       an export or import job the URL names, or null
 * @param file      a Bulk Data output file the URL names, or null
 * @param bodyQuery whether the request body is the query (kept, base64, in the event)
 * @param streamed  whether the answer is streamed (recorded before its first byte, never buffered)
 */
record Interaction(String type, String subtype, String action, String operation, String resource, String job, String file,
                   boolean bodyQuery, boolean streamed) {
    static final String REST = "http://terminology.hl7.org/CodeSystem/audit-event-type|rest";
    static final String DICOM = "http://dicom.nema.org/resources/ontology/DCM";
    static final String RESTFUL = "http://hl7.org/fhir/restful-interaction";
    /** CareGraph's own subtypes: graphql, cypher, sql, import, import-status, nlp, export-status, export-cancel, export-download, backup. */
    static final String CAREGRAPH_SUBTYPES = "http://caregraph.org/fhir/CodeSystem/audit-event-subtype";
    /** The request attribute where {@link AuditEventProvider}'s HAPI hook leaves HAPI's operation type. */
    static final String HAPI_OPERATION = Interaction.class.getName() + ".hapi";

    /** The interaction of a request on an audited path; null for a path that carries no PHI (nothing to record). */
    static Interaction of(String method, String path, RestOperationTypeEnum hapi) {
        if (method.equals("OPTIONS")) return null; // a preflight carries no data
        if (path.equals("/fhir") || path.startsWith("/fhir/")) return fhir(method, path.substring(5), hapi);
        List<String> segments = segments(path);
        if (segments.isEmpty()) return null;
        return switch (segments.getFirst()) {
            case "graphql" -> segments.size() == 1 ? caregraph(DICOM + "|110112", "graphql", "E", null, true) : null;
            case "cypher" -> segments.size() == 1 ? caregraph(DICOM + "|110112", "cypher", "E", null, true) : null;
            case "sql" -> caregraph(DICOM + "|110112", "sql", "E", null, true);
            case "nlp" -> caregraph(REST, "nlp", "E", null, false);
            case "import" -> method.equals("POST") && segments.size() == 1
                    ? caregraph(DICOM + "|110107", "import", "C", null, true)
                    : caregraph(REST, "import-status", "R", segments.size() > 1 ? segments.get(1) : null, false);
            case "export" -> export(method, segments);
            // a backup streams the whole store: recorded as an export before its first byte leaves
            case "admin" -> segments.size() == 2 && segments.get(1).equals("backup")
                    ? new Interaction(DICOM + "|110106", CAREGRAPH_SUBTYPES + "|backup", "R", null, null, null, null, false, true)
                    : null;
            default -> null;
        };
    }

    private static Interaction caregraph(String type, String code, String action, String job, boolean bodyQuery) {
        return new Interaction(type, CAREGRAPH_SUBTYPES + "|" + code, action, null, null, job, null, bodyQuery, false);
    }

    /** Bulk Data status, cancel and file downloads ({@code /export/{id}[/{file}]}); a download streams. */
    private static Interaction export(String method, List<String> segments) {
        if (segments.size() < 2) return null;
        String job = segments.get(1);
        if (segments.size() == 2) {
            return method.equals("DELETE") ? caregraph(REST, "export-cancel", "D", job, false) : caregraph(REST, "export-status", "R", job, false);
        }
        return new Interaction(DICOM + "|110106", CAREGRAPH_SUBTYPES + "|export-download", "R", null, null, job,
                String.join("/", segments.subList(2, segments.size())), false, true);
    }

    /** {@code rest} with the FHIR interaction; {@code path} is what follows /fhir. The public CapabilityStatement is not PHI. */
    private static Interaction fhir(String method, String path, RestOperationTypeEnum hapi) {
        List<String> s = segments(path);
        if (s.equals(List.of("metadata")) || (!s.isEmpty() && s.getFirst().equals(".well-known"))) return null;
        String operation = s.stream().filter(x -> x.startsWith("$")).findFirst().orElse(null);
        String code = hapi != null ? code(hapi) : code(method, s, operation);
        String resource = null;
        if (s.size() >= 2 && Character.isUpperCase(s.get(0).charAt(0)) && !s.get(1).startsWith("_") && !s.get(1).startsWith("$")) {
            resource = s.get(0) + "/" + s.get(1) + (s.size() == 4 && s.get(2).equals("_history") ? "/_history/" + s.get(3) : "");
        }
        return new Interaction(REST, RESTFUL + "|" + code, action(code), operation, resource, null, null, false, false);
    }

    /** HAPI's operation type as a restful-interaction code (HAPI's codes are FHIR's where FHIR has one). */
    private static String code(RestOperationTypeEnum op) {
        return switch (op) {
            case EXTENDED_OPERATION_SERVER, EXTENDED_OPERATION_TYPE, EXTENDED_OPERATION_INSTANCE, VALIDATE,
                 META, META_ADD, META_DELETE, ADD_TAGS, DELETE_TAGS, GET_TAGS, GRAPHQL_REQUEST -> "operation";
            case GET_PAGE -> "search";
            case METADATA -> "capabilities";
            case UPDATE_REWRITE_HISTORY -> "update";
            default -> op.getCode();
        };
    }

    /** The interaction from the URL alone, for a request HAPI never read (refused before it). */
    private static String code(String method, List<String> s, String operation) {
        if (operation != null) return "operation";
        int n = s.size();
        boolean history = n > 0 && s.get(n == 4 ? 2 : n - 1).equals("_history");
        return switch (method) {
            case "POST" -> n == 0 ? "transaction" : s.getLast().equals("_search") ? (n == 1 ? "search-system" : "search-type") : "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> n == 0 ? "search-system"
                    : history ? (n == 1 ? "history-system" : n == 2 ? "history-type" : n == 3 ? "history-instance" : "vread")
                    : n == 1 ? "search-type" : "read";
        };
    }

    private static String action(String code) {
        return switch (code) {
            case "create" -> "C";
            case "read", "vread", "history-instance" -> "R";
            case "update", "patch" -> "U";
            case "delete" -> "D";
            default -> "E";
        };
    }

    private static List<String> segments(String path) {
        return java.util.Arrays.stream(path.split("/")).filter(x -> !x.isEmpty()).toList();
    }
}
