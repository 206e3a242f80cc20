package org.caregraph.fhir;

import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the FHIR API serves, declared once: the search planner accepts exactly the modifiers and special parameters
 * listed here (and refuses the others with the reason given here), the CapabilityStatement documents them from here
 * ({@link org.caregraph.fhir.search.SearchCapabilities}), and the README's conformance tables are generated from
 * {@link #ROWS} (ConformanceTableTest fails when they differ). Each row names the test that proves it through real
 * HTTP.
 */
public final class Conformance {
    private Conformance() {
    }

    public enum Status {
        SERVED("served"), NOT_SUPPORTED("not supported");

        final String label;

        Status(String label) {
            this.label = label;
        }
    }

    public enum Table {
        INTERACTIONS("interactions"), SEARCH("search"), OPERATIONS("operations"), FORMATS("formats and headers");

        final String title;

        Table(String title) {
            this.title = title;
        }
    }

    /**
     * One row of a conformance table.
     *
     * @param feature what a client asks for
     * @param detail  how it is served, or why it is not
     * @param test    {@code Class#method} of the test that proves it through real HTTP
     */
    public record Row(Table table, String feature, Status status, String detail, String test) {
    }

    /** The modifiers each search parameter type takes (besides chains and {@code :[type]} on references). */
    public static final Map<RestSearchParameterTypeEnum, List<String>> MODIFIERS = new EnumMap<>(Map.of(
            RestSearchParameterTypeEnum.TOKEN, List.of("missing", "not", "text", "code-text", "text-advanced", "below",
                    "above", "in", "not-in", "of-type"),
            RestSearchParameterTypeEnum.STRING, List.of("missing", "exact", "contains", "text"),
            RestSearchParameterTypeEnum.DATE, List.of("missing"),
            RestSearchParameterTypeEnum.REFERENCE, List.of("missing", "identifier", "[type]"),
            RestSearchParameterTypeEnum.QUANTITY, List.of("missing"),
            RestSearchParameterTypeEnum.NUMBER, List.of("missing"),
            RestSearchParameterTypeEnum.URI, List.of("missing", "below", "above")));

    /** The prefixes of date, number and quantity values. */
    public static final Set<String> PREFIXES = Set.of("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap");

    /** Search parameters this server does not serve, with why (the 400 says it). */
    public static final Map<String, String> REFUSED_PARAMETERS = Map.of(
            "_query", "named queries: this server defines none",
            "_containedType", "contained resources are searched as part of their container only (see _contained)",
            "near", "no geospatial index: Location positions are stored but not indexed");

    /** Modifiers of a parameter type, for documentation. */
    public static String modifiers(RestSearchParameterTypeEnum type) {
        return MODIFIERS.getOrDefault(type, List.of()).stream().map(m -> ":" + m).collect(Collectors.joining(" "));
    }

    private static final String SEARCH_TEST = "org.caregraph.fhir.search.FhirSearchTest#";
    private static final String CONF_SEARCH_TEST = "org.caregraph.fhir.search.SearchConformanceTest#";
    private static final String REST_TEST = "org.caregraph.fhir.FhirRestTest#";
    private static final String CONF_REST_TEST = "org.caregraph.fhir.RestConformanceTest#";
    private static final String OPS_TEST = "org.caregraph.fhir.OperationsTest#";

    public static final List<Row> ROWS = List.of(
            // interactions
            new Row(Table.INTERACTIONS, "capabilities `GET [base]/metadata`", Status.SERVED,
                    "every resource type with its interactions, indexed search parameters with their modifiers (from this declaration), `_include`/`_revinclude` values, the operations; `ETag`",
                    CONF_REST_TEST + "capabilityStatementTellsTheSameTruth"),
            new Row(Table.INTERACTIONS, "read `GET [type]/[id]`, vread `…/_history/[vid]`", Status.SERVED,
                    "`meta.versionId` and `meta.lastUpdated` are the server's; `ETag: W/\"n\"`; a deleted resource → 410, unknown → 404",
                    REST_TEST + "createReadUpdateVreadAndHistory"),
            new Row(Table.INTERACTIONS, "history: instance, type `[type]/_history`, system `_history`", Status.SERVED,
                    "newest first, deletions as DELETE entries; `_since`, `_count` (default 50, max 500), paged by `_offset` (HAPI's history paging: each page is read when asked for, so a write between two page requests can shift later pages)",
                    REST_TEST + "typeAndSystemHistoryNewestFirstWithSinceAndPaging"),
            new Row(Table.INTERACTIONS, "create `POST [type]`", Status.SERVED,
                    "the server assigns the id; 201 with `Location` and `ETag`", CONF_REST_TEST + "preferAndStatusCodes"),
            new Row(Table.INTERACTIONS, "update `PUT [type]/[id]` (also create-on-update)", Status.SERVED,
                    "201/200 with `Location` and `ETag`; the same content again makes no new version; no id or another id in the body → 400; `If-Match` not the current version → 412, nothing written",
                    CONF_REST_TEST + "preferAndStatusCodes"),
            new Row(Table.INTERACTIONS, "`Prefer: return=minimal|representation|OperationOutcome`", Status.SERVED,
                    "on create, update and patch, and per entry of a transaction or batch", CONF_REST_TEST + "preferAndStatusCodes"),
            new Row(Table.INTERACTIONS, "invalid content", Status.SERVED,
                    "400 (unparseable, wrong type or id) or 422 with an OperationOutcome naming the problem; nothing is written",
                    REST_TEST + "errorsAreOperationOutcomes"),
            new Row(Table.INTERACTIONS, "delete `DELETE [type]/[id]`", Status.SERVED,
                    "the content is kept as a version, the node becomes a tombstone; 200 with an OperationOutcome (also when there was nothing to delete)",
                    REST_TEST + "deleteLeavesATombstoneWithHistoryAndUpdateRecreates"),
            new Row(Table.INTERACTIONS, "conditional create (`If-None-Exist`), update and delete `[type]?query`", Status.SERVED,
                    "0, 1 or more matches as the spec says (more → 412); matched and written under the writer lock; raw `|` and `$` in the query string",
                    CONF_REST_TEST + "rawBarAndDollarInConditionalUrls"),
            new Row(Table.INTERACTIONS, "patch: JSON Patch, FHIRPath Patch", Status.SERVED,
                    "`application/json-patch+json` (RFC 6902) or a FHIRPath Patch `Parameters` body (HAPI's FhirPatch), also as transaction entries; `If-Match` honoured, a concurrent change → 409; a patch that does not apply → 422",
                    CONF_REST_TEST + "fhirPathPatch"),
            new Row(Table.INTERACTIONS, "XML Patch", Status.NOT_SUPPORTED,
                    "400: no XML Patch engine that keeps FHIR's element order; JSON Patch and FHIRPath Patch make the same edits",
                    CONF_REST_TEST + "fhirPathPatch"),
            new Row(Table.INTERACTIONS, "transaction `POST [base]`", Status.SERVED,
                    "all or nothing in one database transaction, in FHIR's order; `urn:uuid:` fullUrls, conditional entries and references resolved; a failing entry fails the whole, named; status lines (`201 Created`), `entry.resource` as `Prefer` asks",
                    CONF_REST_TEST + "transactionsAndBatches"),
            new Row(Table.INTERACTIONS, "batch `POST [base]`", Status.SERVED,
                    "each entry answered on its own; GET entries read or search (a searchset Bundle as the entry's resource)",
                    CONF_REST_TEST + "transactionsAndBatches"),
            new Row(Table.INTERACTIONS, "history, document, collection Bundles `POST [base]`", Status.SERVED,
                    "a history Bundle is replayed as a batch of its entries' requests; a document or collection Bundle is stored as a Bundle resource (201)",
                    CONF_REST_TEST + "transactionsAndBatches"),
            new Row(Table.INTERACTIONS, "CORS", Status.SERVED,
                    "for the origins in `caregraph.cors.allowed-origins`; preflights answered without a token; FHIR's headers exposed",
                    CONF_REST_TEST + "etagsAndCors"),
            // search
            new Row(Table.SEARCH, "parameter types token, string, date, reference, quantity, uri, number", Status.SERVED,
                    "every standard R4 parameter of every type, plus `_source` and `_language`", SEARCH_TEST + "everyParameterTypeModifierAndPrefix"),
            new Row(Table.SEARCH, "composite parameters, `near`", Status.NOT_SUPPORTED,
                    "400: composite values are not indexed as pairs and there is no geospatial index", SEARCH_TEST + "unknownOrMalformedParametersAre400UnlessLenient"),
            new Row(Table.SEARCH, "prefixes `eq ne gt lt ge le sa eb ap`, precision", Status.SERVED,
                    "`2020` is the whole year, `2020-03` the month; `100` is [99.5, 100.5); `ap` is ±10% (dates: of the distance from now)",
                    CONF_SEARCH_TEST + "precisionAndApproximation"),
            new Row(Table.SEARCH, "string matching", Status.SERVED,
                    "starts with, folding case, accents and ligatures (`ü` = `u`, `ß` = `ss`, `æ` = `ae`); escapes `\\,` `\\$` `\\|`",
                    CONF_SEARCH_TEST + "stringFoldingAndEscapes"),
            new Row(Table.SEARCH, "modifiers", Status.SERVED,
                    "token `:not :text :code-text :text-advanced :below :above :in :not-in :of-type`; string `:exact :contains :text`; uri `:below :above`; reference `:identifier :[type]`, chains; `_id:not`; `:missing` on all",
                    CONF_SEARCH_TEST + "modifiers"),
            new Row(Table.SEARCH, "`_text`, `_content`, `_sort=_score`", Status.SERVED,
                    "Neo4j's full-text index (Lucene) over the narrative and the whole resource; words AND, commas OR, `\"phrases\"`, `word*`",
                    CONF_SEARCH_TEST + "fullText"),
            new Row(Table.SEARCH, "`_id`, `_lastUpdated`, `_tag`, `_profile`, `_security`, `_source`, `_language`, `_list`", Status.SERVED,
                    "`_list` takes a List id (its entries)", CONF_SEARCH_TEST + "specialParameters"),
            new Row(Table.SEARCH, "`_filter`", Status.SERVED,
                    "the filter language's `and or not ( )` over parameters with `eq ne co sw ew gt lt ge le sa eb ap pr po ss sb in ni re`; each clause may match at most 10,000 resources",
                    CONF_SEARCH_TEST + "filter"),
            new Row(Table.SEARCH, "`_contained=true|both`, `_containedType`", Status.NOT_SUPPORTED,
                    "400: contained resources are part of their container's content (found by `_content`), not indexed on their own; `_contained=false` is the default and served",
                    CONF_SEARCH_TEST + "specialParameters"),
            new Row(Table.SEARCH, "`_query`", Status.NOT_SUPPORTED, "400: this server defines no named queries", CONF_SEARCH_TEST + "specialParameters"),
            new Row(Table.SEARCH, "`_total`, `Bundle.total`", Status.SERVED,
                    "counted on every searchset by default; `_total=none` skips the count", CONF_SEARCH_TEST + "totalsAndPaging"),
            new Row(Table.SEARCH, "`_count`, `_maxresults`, paging links", Status.SERVED,
                    "`self`, `first`, `previous`, `next`, `last` (keyset pages: a write between two page requests shifts nothing)",
                    CONF_SEARCH_TEST + "totalsAndPaging"),
            new Row(Table.SEARCH, "`_sort`", Status.SERVED, "up to 3 keys, `-` descending, `_score`", SEARCH_TEST + "sortsByManyKeysDescending"),
            new Row(Table.SEARCH, "`_include`, `_revinclude` (`:iterate`, `*`)", Status.SERVED,
                    "at most 1,000 included per include and page, 4 rounds of `:iterate`", CONF_SEARCH_TEST + "revincludeStar"),
            new Row(Table.SEARCH, "`_summary`, `_elements`", Status.SERVED, "with any other parameter", CONF_SEARCH_TEST + "summaryAndElements"),
            new Row(Table.SEARCH, "whole-system search `GET [base]?_type=…`, `POST [base]/_search`", Status.SERVED,
                    "the listed types (or every type present), parameters common to them; merged in key or sort order",
                    CONF_SEARCH_TEST + "systemAndCompartmentSearch"),
            new Row(Table.SEARCH, "`POST [type]/_search`, `HEAD`", Status.SERVED, "form body parameters", CONF_SEARCH_TEST + "systemAndCompartmentSearch"),
            new Row(Table.SEARCH, "compartment search `Patient/[id]/[type]`, `Patient/[id]/*`", Status.SERVED,
                    "the Patient compartment's reference paths (HAPI's R4 compartment definitions)", CONF_SEARCH_TEST + "systemAndCompartmentSearch"),
            new Row(Table.SEARCH, "unit conversion of quantities", Status.NOT_SUPPORTED,
                    "a quantity matches in its stored unit only: no UCUM canonical form is indexed", CONF_SEARCH_TEST + "precisionAndApproximation"),
            // operations
            new Row(Table.OPERATIONS, "`$validate`", Status.SERVED,
                    "type and instance level, against the base spec and profiles stored on the server (HAPI's validator); an OperationOutcome",
                    OPS_TEST + "validate"),
            new Row(Table.OPERATIONS, "`$meta`, `$meta-add`, `$meta-delete`", Status.SERVED,
                    "tags, security labels and profiles of an instance, written as a new version", OPS_TEST + "meta"),
            new Row(Table.OPERATIONS, "`Observation/$lastn`", Status.SERVED,
                    "`max` (default 1) most recent per code and subject, with the search parameters of Observation", OPS_TEST + "lastn"),
            new Row(Table.OPERATIONS, "`ValueSet/$expand`, `ValueSet/$validate-code`, `CodeSystem/$validate-code`, `CodeSystem/$subsumes`, `CodeSystem/$lookup`", Status.SERVED,
                    "on ValueSets and CodeSystems stored on the server and the loaded hierarchies (Concept IS_A)", OPS_TEST + "terminology"),
            new Row(Table.OPERATIONS, "`Patient/[id]/$everything`, `Encounter/[id]/$everything`", Status.SERVED,
                    "every existing Patient answers, even with nothing else in its compartment", OPS_TEST + "everything"),
            // formats
            new Row(Table.FORMATS, "`_format`, `Accept`", Status.SERVED,
                    "JSON and XML (`json`, `xml`, `application/fhir+json`, …); anything else → 406", CONF_REST_TEST + "formats"),
            new Row(Table.FORMATS, "request bodies", Status.SERVED,
                    "FHIR JSON and XML, JSON Patch, FHIRPath Patch, forms for `_search`; another `Content-Type` → 415", CONF_REST_TEST + "formats"),
            new Row(Table.FORMATS, "`fhirVersion` MIME parameter", Status.SERVED,
                    "answered in `Content-Type` when asked; a version other than 4.0 → 406", CONF_REST_TEST + "formats"),
            new Row(Table.FORMATS, "RDF (Turtle)", Status.NOT_SUPPORTED, "406: HAPI's Turtle encoder is not part of this server", CONF_REST_TEST + "formats"));

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }

    /** A conformance table as Markdown. */
    public static String markdown(Table table) {
        StringBuilder out = new StringBuilder("| ").append(table.title).append(" | status | how, or why not |\n|---|---|---|\n");
        for (Row r : ROWS) {
            if (r.table() != table) continue;
            out.append("| ").append(cell(r.feature())).append(" | ").append(r.status().label).append(" | ")
                    .append(cell(r.detail())).append(" |\n");
        }
        return out.toString();
    }
}
