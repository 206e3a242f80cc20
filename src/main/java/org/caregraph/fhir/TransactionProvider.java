package org.caregraph.fhir;

import org.caregraph.security.Access;
import ca.uhn.fhir.rest.annotation.Transaction;
import ca.uhn.fhir.rest.annotation.TransactionParam;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.caregraph.audit.AuditEventProvider;
import org.caregraph.graph.GraphReader;
import org.caregraph.graph.GraphWriter;
import org.caregraph.graph.InvalidResourceException;
import org.caregraph.graph.ResourceMapper;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * FHIR transaction and batch: {@code POST /fhir} with a Bundle.
 * <p>
 * Entries are processed in FHIR's order (DELETE, POST, PUT/PATCH, GET). A POST gets a new server id, and its
 * {@code urn:uuid:} fullUrl resolves references from the other entries to it; {@code ifNoneExist}, conditional
 * {@code PUT/DELETE/PATCH Type?query} and {@code ifMatch} are honoured. Conditional interactions are resolved against
 * the state before the Bundle (FHIR resolves their identities up front and fails on overlaps), except that entries
 * with the same {@code ifNoneExist} resolve to the first of them, so one Bundle never creates the same thing twice.
 * Conditional <em>references</em> ({@code Practitioner?identifier=...}, as Synthea writes) are resolved by the writer
 * inside the write transaction, as at import, so they also find resources the same Bundle creates.
 * <p>
 * A transaction is all or nothing: every change goes to the graph in ONE write transaction ({@link
 * GraphWriter#transaction}); any failing entry (invalid resource, If-Match conflict, several conditional matches)
 * fails the request with that entry's OperationOutcome and nothing is written. A batch answers per entry: a failing
 * entry changes nothing for the others. A Bundle that HAPI cannot parse at all (structurally invalid JSON/XML) is
 * refused whole (400).
 */
class TransactionProvider {
    /** {@code Type}, {@code Type/id} or {@code Type/id/_history/v}, then an optional {@code ?query}. */
    private static final Pattern URL = Pattern.compile("([A-Z][A-Za-z]+)(?:/([A-Za-z0-9\\-.]{1,64})(?:/_history/([^/?]+))?)?(?:\\?(.*))?");
    private static final List<String> ORDER = List.of("DELETE", "POST", "PUT", "GET");

    private final ResourceWrites writes;
    private final GraphReader reader;
    private final ConditionalInteractions conditional;

    private final org.caregraph.fhir.search.GraphSearch search;

    TransactionProvider(ResourceWrites writes, GraphReader reader, ConditionalInteractions conditional,
                        org.caregraph.fhir.search.GraphSearch search) {
        this.search = search;
        this.writes = writes;
        this.reader = reader;
        this.conditional = conditional;
    }

    /** One entry's request, as the Bundle says it. */
    private record Entry(int index, String method, String type, String id, String version, String query,
                         ObjectNode resource, String fullUrl, String ifMatch, String ifNoneExist) {
        String where() {
            return "Bundle.entry[" + index + "]";
        }

        int rank() {
            return ORDER.indexOf(method.equals("PATCH") ? "PUT" : method);
        }
    }

    /** An entry resolved to what it does: the key it changes (null: none), the change, and how it answers. */
    private static final class Step {
        final Entry entry;
        String key;
        GraphWriter.Op op;
        String status;

        Step(Entry entry) {
            this.entry = entry;
        }
    }

    @Transaction
    public Bundle transaction(@TransactionParam Bundle bundle, RequestDetails request) {
        ObjectNode json = EncodingEnum.forContentType(request.getHeader("Content-Type")) == EncodingEnum.JSON
                ? ResourceMapper.tree(new String(request.loadRequestContents(), StandardCharsets.UTF_8))
                : writes.json(bundle);
        List<Entry> entries = new ArrayList<>();
        int i = 0;
        for (JsonNode e : json.path("entry")) entries.add(entry(i++, e));
        String type = json.path("type").asText();
        if (!type.equals("transaction") && !type.equals("batch") && !type.equals("history")) {
            throw new InvalidRequestException("Bundle.type is '" + type + "': POST /fhir takes a transaction, a batch or a "
                    + "history (document and collection Bundles are stored as Bundle resources)");
        }
        Prefer prefer = Prefer.of(request.getHeader("Prefer"));
        // a history Bundle is replayed as a batch of its entries' requests (each version as it was written)
        Supplier<Bundle> run = () -> type.equals("transaction") ? transaction(entries, prefer) : batch(entries, prefer);
        // conditional entries match and write under the writer lock, so that no other write comes between the two
        boolean conditional = entries.stream().anyMatch(e -> e.ifNoneExist() != null || e.query() != null);
        return conditional ? writes.exclusively(run) : run.get();
    }

    private static Entry entry(int index, JsonNode e) {
        String where = "Bundle.entry[" + index + "].request";
        JsonNode req = e.path("request");
        String method = req.path("method").asText("");
        if (!List.of("GET", "POST", "PUT", "PATCH", "DELETE").contains(method)) {
            throw new InvalidRequestException(where + ".method '" + method + "' is not GET, POST, PUT, PATCH or DELETE");
        }
        String url = req.path("url").asText("");
        Matcher m = URL.matcher(url.startsWith("/") ? url.substring(1) : url);
        if (!m.matches()) throw new InvalidRequestException(where + ".url '" + url + "' is not Type, Type/id or Type?query");
        ObjectNode resource = e.get("resource") instanceof ObjectNode r ? r : null;
        boolean needsResource = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
        if (needsResource != (resource != null)) {
            throw new InvalidRequestException("Bundle.entry[" + index + "]: a " + method + (needsResource ? " needs" : " takes no") + " resource");
        }
        if (method.equals("POST") && (m.group(2) != null || m.group(4) != null)
                || !method.equals("GET") && m.group(3) != null
                || (method.equals("PUT") || method.equals("PATCH") || method.equals("DELETE")) && m.group(2) == null && m.group(4) == null) {
            throw new InvalidRequestException(where + ".url '" + url + "' does not fit a " + method);
        }
        return new Entry(index, method, m.group(1), m.group(2), m.group(3), m.group(4), resource,
                e.path("fullUrl").asText(null), req.path("ifMatch").asText(null), req.path("ifNoneExist").asText(null));
    }

    /** All or nothing: one write transaction for every change; the first failing entry fails the request. */
    private Bundle transaction(List<Entry> entries, Prefer prefer) {
        Map<String, String> urns = new HashMap<>();
        Map<String, String> created = new HashMap<>();
        List<Step> steps = inOrder(entries).stream().map(e -> at(e, () -> resolve(e, urns, created))).toList();
        for (Step s : steps) at(s.entry, () -> change(s, urns));
        checkOverlaps(steps);
        List<GraphWriter.Op> ops = steps.stream().map(s -> s.op).filter(op -> op != null).toList();
        Map<String, GraphWriter.Stored> stored = ops.isEmpty() ? Map.of() : writes.commit(ops);
        return response(Bundle.BundleType.TRANSACTIONRESPONSE, entries.size(), steps, stored, Map.of(), prefer);
    }

    /** Each entry on its own, with its own answer: one failing entry changes nothing for the others. */
    private Bundle batch(List<Entry> entries, Prefer prefer) {
        Map<String, String> urns = new HashMap<>();
        Map<String, String> created = new HashMap<>();
        List<Step> steps = new ArrayList<>();
        Map<Integer, BaseServerResponseException> failures = new HashMap<>();
        for (Entry e : inOrder(entries)) {
            try {
                Step s = at(e, () -> resolve(e, urns, created));
                steps.add(at(e, () -> change(s, urns)));
            } catch (BaseServerResponseException failure) {
                failures.put(e.index(), failure);
            }
        }
        Map<String, GraphWriter.Stored> stored = commitBatch(steps, failures);
        if (!stored.isEmpty()) {
            writes.afterWrites(steps.stream().filter(s -> s.op != null && !failures.containsKey(s.entry.index()))
                    .map(s -> s.op).toList());
        }
        return response(Bundle.BundleType.BATCHRESPONSE, entries.size(), steps, stored, failures, prefer);
    }

    /**
     * A batch's valid changes in one write transaction when no two are about the same resource and all succeed — the
     * common case (Synthea's organization and practitioner batches), and far cheaper than a transaction per entry;
     * otherwise (an If-Match conflict among them, or overlapping keys) entry by entry, each failure its own answer.
     */
    private Map<String, GraphWriter.Stored> commitBatch(List<Step> steps, Map<Integer, BaseServerResponseException> failures) {
        List<Step> changing = steps.stream().filter(s -> s.op != null).toList();
        if (changing.isEmpty()) return Map.of();
        if (changing.stream().map(s -> s.op.key()).distinct().count() == changing.size()) {
            try {
                return writes.commitUnlinked(changing.stream().map(s -> s.op).toList());
            } catch (RuntimeException oneFailed) {
                // rolled back whole: find the failing entries one by one
            }
        }
        Map<String, GraphWriter.Stored> stored = new HashMap<>();
        for (Step s : changing) {
            try {
                stored.putAll(at(s.entry, () -> writes.commitUnlinked(List.of(s.op))));
            } catch (BaseServerResponseException failure) {
                failures.put(s.entry.index(), failure);
            } catch (RuntimeException failure) {
                // the database's message may quote content: the outcome names only the kind of failure
                failures.put(s.entry.index(), new InternalErrorException(s.entry.where() + ": could not be stored ("
                        + failure.getClass().getSimpleName() + ")"));
            }
        }
        return stored;
    }

    private static List<Entry> inOrder(List<Entry> entries) {
        return entries.stream().sorted(Comparator.comparingInt(Entry::rank)).toList();
    }

    /**
     * Which resource an entry is about: its own id, the conditional match, or (create) a new server id; its fullUrl
     * then resolves to that key. {@code created}: ifNoneExist conditions already creating something in this Bundle.
     */
    private Step resolve(Entry e, Map<String, String> urns, Map<String, String> created) {
        // the audit log alone writes AuditEvents: such an entry is refused (405), failing a transaction, answered in a batch
        if (e.type().equals("AuditEvent") && !e.method().equals("GET")) throw AuditEventProvider.notWritable();
        Step s = new Step(e);
        String ownKey = e.id() == null ? null : e.type() + "/" + e.id();
        switch (e.method()) {
            case "DELETE" -> {
                s.key = ownKey != null ? ownKey : conditional.single(e.type(), e.query()).orElse(null);
                s.status = "204 No Content";
            }
            case "POST" -> {
                String condition = e.ifNoneExist() == null ? null : e.type() + "?" + stripType(e.type(), e.ifNoneExist());
                Optional<String> existing = condition == null ? Optional.empty()
                        : Optional.ofNullable(created.get(condition)).or(() -> conditional.single(e.type(), condition));
                if (existing.isPresent()) {
                    s.key = existing.get();
                    s.status = "200 OK";
                } else {
                    s.key = e.type() + "/" + UUID.randomUUID();
                    s.status = "201 Created";
                    if (condition != null) created.put(condition, s.key);
                }
            }
            case "PUT" -> {
                String bodyId = e.resource().path("id").asText(null);
                s.key = ownKey != null ? ownKey : conditional.single(e.type(), e.query())
                        .orElse(e.type() + "/" + (bodyId != null ? bodyId : UUID.randomUUID().toString()));
                s.status = reader.read(Access.current(), s.key).isPresent() ? "200 OK" : "201 Created";
            }
            case "PATCH" -> {
                s.key = ownKey != null ? ownKey : conditional.single(e.type(), e.query()).orElseThrow(
                        () -> new ResourceNotFoundException("conditional '" + e.type() + "?" + e.query() + "' matches no " + e.type()));
                s.status = "200 OK";
            }
            default -> s.status = "200 OK";
        }
        if (e.fullUrl() != null && s.key != null) urns.put(e.fullUrl(), s.key);
        return s;
    }

    private static String stripType(String type, String condition) {
        return condition.startsWith(type + "?") ? condition.substring(type.length() + 1)
                : condition.startsWith("?") ? condition.substring(1) : condition;
    }

    /** FHIR: a transaction fails when two of its changes are about the same resource. */
    private static void checkOverlaps(List<Step> steps) {
        Map<String, Step> changing = new HashMap<>();
        for (Step s : steps) {
            if (s.op == null) continue;
            Step before = changing.putIfAbsent(s.op.key(), s);
            if (before != null) {
                throw new InvalidRequestException(s.entry.where() + " and " + before.entry.where() + " both change " + s.op.key());
            }
        }
    }

    /** The change an entry makes (none for a read or a matched conditional create), with its If-Match version. */
    private Step change(Step s, Map<String, String> urns) {
        Entry e = s.entry;
        Long ifMatch = ResourceWrites.ifMatch(e.ifMatch());
        String id = s.key == null ? null : s.key.substring(s.key.indexOf('/') + 1);
        switch (e.method()) {
            case "DELETE" -> s.op = s.key == null ? null : GraphWriter.Op.delete(s.key, ifMatch);
            case "POST", "PUT" -> {
                if (e.method().equals("POST") && s.status.equals("200 OK")) return s;
                ObjectNode resource = e.resource().deepCopy();
                if (!e.type().equals(resource.path("resourceType").asText())) {
                    throw new InvalidRequestException("resource type '" + resource.path("resourceType").asText()
                            + "' does not match the request url type '" + e.type() + "'");
                }
                String bodyId = resource.path("id").asText(null);
                if (e.method().equals("PUT") && bodyId != null && !bodyId.equals(id)) {
                    throw new InvalidRequestException("resource id '" + bodyId + "' does not match the id '" + id + "' the request names");
                }
                s.op = GraphWriter.Op.write(writes.record(resource, id, urns::get), ifMatch);
            }
            case "PATCH" -> {
                GraphReader.StoredResource current = reader.read(Access.current(), s.key).orElseThrow(() -> reader.history(Access.current(), s.key).isEmpty()
                        ? new ResourceNotFoundException(new IdType(s.key)) : new ResourceGoneException(new IdType(s.key)));
                // a FHIRPath Patch is a Parameters resource; a JSON Patch travels as a Binary
                ObjectNode patched = "Parameters".equals(e.resource().path("resourceType").asText())
                        ? writes.fhirPathPatch(e.type(), current.json(), e.resource().toString(), false)
                        : JsonPatcher.apply(ResourceMapper.tree(current.json()), patchDocument(e.resource()));
                s.op = GraphWriter.Op.write(writes.record(patched, id, urns::get), ifMatch != null ? ifMatch : current.versionId());
            }
            default -> {
            }
        }
        return s;
    }

    /** A PATCH entry carries its JSON Patch as a Binary (FHIR's way to put a non-resource body in a Bundle). */
    private static String patchDocument(ObjectNode resource) {
        if (!"Binary".equals(resource.path("resourceType").asText())
                || !resource.path("contentType").asText().startsWith("application/json-patch+json")) {
            throw new InvalidRequestException("a PATCH entry's resource must be a Binary with contentType application/json-patch+json");
        }
        return new String(Base64.getDecoder().decode(resource.path("data").asText("")), StandardCharsets.UTF_8);
    }

    private Bundle response(Bundle.BundleType type, int size, List<Step> steps, Map<String, GraphWriter.Stored> stored,
                            Map<Integer, BaseServerResponseException> failures, Prefer prefer) {
        Bundle out = new Bundle().setType(type);
        for (int i = 0; i < size; i++) out.addEntry();
        for (Step s : steps) {
            if (failures.containsKey(s.entry.index())) continue;
            Bundle.BundleEntryResponseComponent r = out.getEntry().get(s.entry.index()).getResponse();
            if (s.entry.method().equals("GET")) {
                read(s.entry, out.getEntry().get(s.entry.index()));
                continue;
            }
            r.setStatus(s.status);
            GraphWriter.Stored v = s.key == null ? null : stored.get(s.key);
            if (v == null && s.key != null && !s.entry.method().equals("DELETE")) {
                v = reader.read(Access.current(), s.key).map(c -> new GraphWriter.Stored(c.versionId(), c.lastUpdated(), false)).orElse(null);
            }
            if (v == null) continue;
            if (!v.deleted()) r.setLocation(s.key + "/_history/" + v.versionId());
            r.setEtag("W/\"" + v.versionId() + "\"");
            r.setLastModifiedElement(new InstantType(v.lastUpdated()));
            if (v.deleted()) continue;
            // Prefer: return=representation puts the resource written in the entry, return=OperationOutcome an outcome
            if (prefer == Prefer.REPRESENTATION) {
                reader.read(Access.current(), s.key).ifPresent(c -> out.getEntry().get(s.entry.index()).setResource(
                        (org.hl7.fhir.r4.model.Resource) writes.resource(s.key.substring(0, s.key.indexOf('/')),
                                s.key.substring(s.key.indexOf('/') + 1), c)));
            } else if (prefer == Prefer.OPERATION_OUTCOME) {
                OperationOutcome o = new OperationOutcome();
                o.addIssue().setSeverity(OperationOutcome.IssueSeverity.INFORMATION).setCode(OperationOutcome.IssueType.INFORMATIONAL)
                        .setDiagnostics(s.entry.method() + " " + s.key + ": " + s.status);
                r.setOutcome(o);
            }
        }
        failures.forEach((index, failure) -> out.getEntry().get(index).getResponse()
                .setStatus(status(failure)).setOutcome(outcome(failure)));
        return out;
    }

    /** What {@code Prefer: return=} asks for in a transaction or batch response's entries. */
    enum Prefer {
        MINIMAL, REPRESENTATION, OPERATION_OUTCOME;

        static Prefer of(String header) {
            if (header == null) return MINIMAL;
            String h = header.replace(" ", "");
            if (h.contains("return=representation")) return REPRESENTATION;
            if (h.contains("return=OperationOutcome")) return OPERATION_OUTCOME;
            return MINIMAL;
        }
    }

    /** A GET entry: the resource (or the version) it names, or its 404/410; a search, its first page. */
    private void read(Entry e, Bundle.BundleEntryComponent out) {
        if (e.id() == null) {
            try {
                out.setResource(searchPage(e)).getResponse().setStatus("200 OK");
            } catch (BaseServerResponseException failure) {
                out.getResponse().setStatus(status(failure)).setOutcome(outcome(failure));
            }
            return;
        }
        String key = e.type() + "/" + e.id();
        Optional<GraphReader.StoredResource> found = e.id() == null ? Optional.empty()
                : e.version() == null ? reader.read(Access.current(), key)
                : reader.history(Access.current(), key).stream().filter(v -> String.valueOf(v.versionId()).equals(e.version()) && !v.deleted()).findFirst();
        if (found.isEmpty()) {
            BaseServerResponseException failure = new ResourceNotFoundException(new IdType(key));
            out.getResponse().setStatus(status(failure)).setOutcome(outcome(failure));
            return;
        }
        out.setResource((org.hl7.fhir.r4.model.Resource) writes.resource(e.type(), e.id(), found.get()));
        out.getResponse().setStatus("200 OK").setEtag("W/\"" + found.get().versionId() + "\"");
    }

    /** A GET entry's search ({@code Type?query}): its first page ({@code _count}, default 50) as a searchset Bundle. */
    private Bundle searchPage(Entry e) {
        Map<String, List<String>> params = new java.util.LinkedHashMap<>();
        if (e.query() != null) {
            for (String pair : e.query().split("&")) {
                if (pair.isEmpty()) continue;
                int eq = pair.indexOf('=');
                String name = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                params.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
            }
        }
        int count = 50;
        if (params.containsKey("_count")) {
            try {
                count = Math.min(500, Integer.parseInt(params.get("_count").getLast()));
            } catch (NumberFormatException bad) {
                throw new InvalidRequestException("_count must be a number");
            }
        }
        var found = search.search(Access.current(), e.type(), params, false);
        Bundle page = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        Integer total = found.size();
        if (total != null) page.setTotal(total);
        for (var r : found.getResources(0, count)) {
            Bundle.BundleEntryComponent entry = page.addEntry().setResource((org.hl7.fhir.r4.model.Resource) r);
            entry.setFullUrl(r.getIdElement().toUnqualifiedVersionless().getValue());
            var mode = ca.uhn.fhir.model.api.ResourceMetadataKeyEnum.ENTRY_SEARCH_MODE.get(r);
            entry.getSearch().setMode(mode == ca.uhn.fhir.model.valueset.BundleEntrySearchModeEnum.INCLUDE
                    ? Bundle.SearchEntryMode.INCLUDE : Bundle.SearchEntryMode.MATCH);
        }
        return page;
    }

    private interface Work<T> {
        T run();
    }

    /** Runs an entry's work; a failure names the entry it came from. */
    private <T> T at(Entry e, Work<T> work) {
        try {
            return work.run();
        } catch (InvalidResourceException invalid) {
            throw located(e, writes.unprocessable(invalid));
        } catch (BaseServerResponseException failure) {
            throw located(e, failure);
        }
    }

    private static BaseServerResponseException located(Entry e, BaseServerResponseException failure) {
        OperationOutcome outcome = outcome(failure);
        String prefix = e.where() + " (" + e.method() + " " + e.type() + "): ";
        outcome.getIssue().forEach(issue -> issue.setDiagnostics(prefix + issue.getDiagnostics()));
        BaseServerResponseException out = BaseServerResponseException.newInstance(failure.getStatusCode(), prefix + failure.getMessage());
        out.setOperationOutcome(outcome);
        return out;
    }

    private static String status(BaseServerResponseException failure) {
        return failure.getStatusCode() + " " + Constants.HTTP_STATUS_NAMES.getOrDefault(failure.getStatusCode(), "");
    }

    private static OperationOutcome outcome(BaseServerResponseException failure) {
        if (failure.getOperationOutcome() instanceof OperationOutcome o) return o.copy();
        OperationOutcome o = new OperationOutcome();
        o.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR).setCode(OperationOutcome.IssueType.PROCESSING)
                .setDiagnostics(failure.getMessage());
        return o;
    }
}
