package org.caregraph.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.caregraph.graphql.GraphQlTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * Every page in a real Chromium against the real server with the Synthea fixture imported: each view's rendered
 * counts equal the GraphQL answers, deep links reload to the same view, exports save files with the right rows, no
 * console error, every resource from this origin, 0 axe WCAG 2.1 AA violations, and a screenshot per view under
 * target/ui-screenshots.
 */
class UiBrowserTest extends GraphQlTest {
    /** What the pages' sign-in asks for (static/ui/js/auth.js): a clinician's own patients, population analytics. */
    private static final List<String> UI_SCOPES = List.of("openid", "fhirUser", "user/*.rs", "user/caregraph.analytics");
    /** Read-only over every patient: the views' counts are then the whole fixture's (5 patients). */
    private static final List<String> READ_ALL = List.of("system/*.rs", "system/caregraph.analytics");
    private static boolean loaded;
    private static String readAll;
    private String apiToken;
    private Browser browser;
    private String patient;

    /**
     * The Synthea fixture, and the browser signed in with a real token of the server's issuer: read-only over every
     * patient (a clinician's user/ token sees only their own patients, tested apart). Every GraphQL or FHIR answer the
     * pages are compared with is asked with the same token.
     */
    @BeforeEach
    void browserAndData() {
        browser = Browser.at("http://127.0.0.1:" + httpPort);
        if (!loaded) {
            requireFixture();
            clearGraph();
            assertThat(importPaths(SYNTHEA).failed()).isZero();
            readAll = token("caregraph-ui", null, null, READ_ALL);
            loaded = true;
        }
        // the patient with the most encounters: the richest journey and care team
        patient = query("MATCH (p:Patient)<-[:SUBJECT]-(e:Encounter) WITH p.id AS id, count(e) AS n RETURN id ORDER BY n DESC, id LIMIT 1")
                .getFirst().get("id").asString();
        signIn(readAll, null, READ_ALL);
    }

    private void signIn(String token, String fhirUser, List<String> scopes) {
        apiToken = token;
        browser.signedIn(token, fhirUser, scopes);
    }

    @Override
    protected String apiToken() {
        return apiToken;
    }

    /** A FHIR search's JSON, asked with the pages' token. */
    private JsonNode fhir(String path) {
        try {
            var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + httpPort + "/fhir/" + path)).header("Authorization", "Bearer " + apiToken)
                    .header("Accept", "application/fhir+json").build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void homeShowsWhatIsLoadedAndFindsPatients() {
        browser.open("/");
        browser.waitFor("#patient-results");
        for (String type : List.of("Patient", "Encounter", "Condition", "Observation", "DocumentReference")) {
            int stored = query("MATCH (n:" + type + ") WHERE n.placeholder IS NULL AND n.deleted IS NULL RETURN count(n) AS n")
                    .getFirst().get("n").asInt();
            assertThat(browser.count("#counts [data-type=" + type + "] [data-count]")).as(type).isEqualTo(stored)
                    .isEqualTo(fhir(type + "?_summary=count").get("total").asInt());
        }
        assertThat(browser.count("#patient-results")).isEqualTo(5);
        assertThat(browser.find("#last-import").getText()).contains("Last import or change stored at");
        browser.check("home");

        String family = data("query($id: ID!) { patient(id: $id) { name } }", "id", patient).at("/patient/name").asText().split(" ")[0];
        browser.find("#search-name").sendKeys(family);
        browser.find("#patient-search button[type=submit]").click();
        browser.settle();
        assertThat(browser.count("#patient-results")).isEqualTo(1);
        // names never go into the URL
        assertThat(browser.pathAndQuery()).isEqualTo("/");
        browser.find("#patient-results a").click();
        browser.waitFor("#event-count");
        assertThat(browser.pathAndQuery()).isEqualTo("/ui/patient/" + patient);
    }

    @Test
    void journeyShowsEveryEventInLanesAndTables() throws IOException {
        List<JsonNode> events = journey();
        long undated = events.stream().filter(e -> e.get("time").isNull()).count();
        browser.open("/ui/patient/" + patient);
        assertThat(browser.waitFor("#event-count").getAttribute("data-total")).isEqualTo(String.valueOf(events.size()));
        assertThat(browser.count("#events-table") + browser.count("#undated-table")).isEqualTo(events.size());
        assertThat(browser.count("#undated-table")).isEqualTo((int) undated);
        assertThat(browser.all("#timeline-svg g.event")).hasSize(events.size() - (int) undated);
        assertThat(browser.find("#demographics-line").getText()).contains(data("query($id: ID!) { patient(id: $id) { name } }",
                "id", patient).at("/patient/name").asText());
        browser.check("journey");

        // keyboard: the first dated event, then the next; the selection is in the URL
        List<JsonNode> dated = events.stream().filter(e -> !e.get("time").isNull()).toList();
        WebElement timeline = browser.find("#timeline-svg");
        timeline.sendKeys(Keys.ARROW_RIGHT);
        assertThat(browser.find("#detail-display").getText()).isEqualTo(text(dated.get(0).get("display")));
        timeline.sendKeys(Keys.ARROW_RIGHT);
        assertThat(browser.find("#detail-display").getText()).isEqualTo(text(dated.get(1).get("display")));
        assertThat(browser.pathAndQuery()).contains("event=" + URLEncoder.encode(dated.get(1).get("key").asText(), StandardCharsets.UTF_8));
        timeline.sendKeys("+");
        browser.settle();

        // a deep link: conditions only, a zoomed span, a selected event
        JsonNode condition = dated.stream().filter(e -> e.get("type").asText().equals("CONDITION")).toList().getLast();
        String link = "/ui/patient/" + patient + "?types=CONDITION&from=2020-01-01&to=2025-01-01&event="
                + URLEncoder.encode(condition.get("key").asText(), StandardCharsets.UTF_8);
        browser.open(link);
        long conditions = events.stream().filter(e -> e.get("type").asText().equals("CONDITION")).count();
        assertThat(browser.count("#event-count")).isEqualTo((int) conditions);
        assertThat(browser.find("#detail-display").getText()).isEqualTo(text(condition.get("display")));
        assertThat(browser.all("#filters input:checked")).extracting(e -> e.getAttribute("value")).containsExactly("CONDITION");
        assertThat(browser.pathAndQuery()).isEqualTo(link);

        // exports: the CSV has a row per shown event; the SVG and PNG are images
        Path csv = browser.download(browser.find("#events-export [data-export=csv]"), "journey-" + patient + ".csv");
        assertThat(csvRows(csv)).hasSize((int) conditions);
        Path svg = browser.download(browser.find("#timeline-export [data-export=svg]"), "journey-" + patient + ".svg");
        assertThat(Files.readString(svg)).startsWith("<svg").contains("Conditions (");
        Path png = browser.download(browser.find("#timeline-export [data-export=png]"), "journey-" + patient + ".png");
        assertThat(Files.readAllBytes(png)).startsWith(0x89, 'P', 'N', 'G');
    }

    @Test
    void pathwaysFromAConceptFoundBySearch() throws IOException {
        JsonNode concept = employment();
        runPathways(concept);

        JsonNode expected = data("query($s: [ConceptInput!]!) { pathways(start: $s, minSupport: 1) { cohortSize nodes { id } links { source } sequences { patients } } }",
                "s", List.of(Map.of("system", concept.get("system").asText(), "code", concept.get("code").asText()))).get("pathways");
        assertPathways(expected);
        browser.check("pathways");

        // the URL reproduces the view
        String link = browser.pathAndQuery();
        assertThat(link).contains("support=1").doesNotContain("employment");
        browser.open(link);
        browser.waitFor("#cohort-size");
        assertPathways(expected);

        Path csv = browser.download(browser.find("#sankey-export [data-export=csv]"), "pathways-sankey.csv");
        assertThat(csvRows(csv)).hasSize(expected.get("links").size());
        Path sequences = browser.download(browser.find("#sunburst-export [data-export=csv]"), "pathways-sunburst.csv");
        assertThat(csvRows(sequences)).hasSize(expected.get("sequences").size());
        assertThat(Files.readString(browser.download(browser.find("#sunburst-export [data-export=svg]"), "pathways-sunburst.svg")))
                .startsWith("<svg");
    }

    @Test
    void smallCellsAreShownAsWithheldToAUserLevelCaller() {
        // below system level every cell under the minimum count (11) is withheld: the 5-patient fixture has no other
        String practitioner = "Practitioner/" + query("MATCH (pr:Practitioner) RETURN pr.id AS id ORDER BY id LIMIT 1")
                .getFirst().get("id").asString();
        signIn(token("caregraph-ui", practitioner, null, UI_SCOPES), practitioner, UI_SCOPES);
        JsonNode concept = employment();
        JsonNode expected = data("query($s: [ConceptInput!]!) { pathways(start: $s, minSupport: 1) { cohortSize suppressed nodes { suppressed } } }",
                "s", List.of(Map.of("system", concept.get("system").asText(), "code", concept.get("code").asText()))).get("pathways");
        assertThat(expected.get("suppressed").asBoolean()).isTrue();
        assertThat(expected.get("cohortSize").isNull()).isTrue();
        runPathways(concept);
        assertThat(browser.find("#cohort-size").getText()).contains("withheld").doesNotContainPattern("^\\d");
        assertThat(browser.count("#withheld")).isPositive();
        assertThat(browser.count("#nodes-table")).isEqualTo(expected.get("nodes").size());
        assertThat(browser.find("#nodes-table").getText()).contains("withheld");
        assertThat(browser.all("#sankey-svg g.node")).isEmpty(); // no size tells a withheld count
        browser.find("#sankey-withheld");
        browser.check("pathways-withheld");
    }

    /** The fixture's employment condition, found as the page's picker finds it. */
    private JsonNode employment() {
        return data("{ concepts(search: \"employment\", types: [CONDITION], first: 1) { concept { key system code } } }")
                .at("/concepts/0/concept");
    }

    /** Pathways from {@code concept} with a minimum support of 1, chosen and run on the page. */
    private void runPathways(JsonNode concept) {
        browser.open("/ui/pathways");
        browser.find("[data-picker='Index concepts']").sendKeys("employment");
        browser.waitFor("[data-concept='" + concept.get("key").asText() + "']").click();
        WebElement support = browser.find("input[name=support]");
        support.clear();
        support.sendKeys("1");
        browser.find("#run").click();
        browser.waitFor("#cohort-size");
        browser.settle();
    }

    private void assertPathways(JsonNode expected) {
        assertThat(browser.count("#cohort-size")).isEqualTo(expected.get("cohortSize").asInt());
        assertThat(browser.count("#nodes-table")).isEqualTo(expected.get("nodes").size());
        assertThat(browser.all("#sankey-svg g.node")).hasSize(expected.get("nodes").size());
        assertThat(browser.count("#links-table")).isEqualTo(expected.get("links").size());
        assertThat(browser.count("#sequences-table")).isEqualTo(expected.get("sequences").size());
        assertThat(browser.all("#sunburst-svg g.arc")).isNotEmpty();
    }

    @Test
    void similarPatientsWithTheConceptsTheyShare() throws IOException {
        JsonNode similar = data("query($id: ID!) { similarPatients(id: $id, k: 3) { score patient { id name } } }", "id", patient)
                .get("similarPatients");
        browser.open("/ui/patient/" + patient + "/similar?k=3");
        assertThat(browser.count("#similar-table")).isEqualTo(similar.size());
        List<String> names = new ArrayList<>();
        similar.forEach(s -> names.add(s.at("/patient/name").asText()));
        assertThat(browser.all("#similar-table tbody tr td:nth-child(2) a")).extracting(WebElement::getText).containsExactlyElementsOf(names);
        browser.check("similar");
        Path csv = browser.download(browser.find("#chart-export [data-export=csv]"), "similar-" + patient + ".csv");
        assertThat(csvRows(csv)).extracting(r -> r.get("patient id"))
                .containsExactlyElementsOf(similar.findValuesAsText("id"));
        browser.find("#similar-table tbody tr td:nth-child(2) a").click();
        browser.waitFor("#event-count");
        assertThat(browser.pathAndQuery()).isEqualTo("/ui/patient/" + similar.at("/0/patient/id").asText());
    }

    @Test
    void careTeamNetworkExpandsToColleagues() {
        JsonNode members = data("query($id: ID!) { careTeam(patientId: $id) { members { resourceType id } } }", "id", patient)
                .at("/careTeam/members");
        browser.open("/ui/patient/" + patient + "/care-team");
        assertThat(browser.count("#members-table")).isEqualTo(members.size());
        assertThat(browser.find("#graph").getAttribute("data-nodes")).isEqualTo(String.valueOf(members.size() + 1));
        browser.check("care-team");

        String practitioner = null;
        for (JsonNode m : members) if (m.get("resourceType").asText().equals("Practitioner")) { practitioner = m.get("id").asText(); break; }
        assertThat(practitioner).as("a practitioner in the care team").isNotNull();
        JsonNode network = data("query($id: ID!) { practitioner(id: $id) { network(first: 10) { practitioner { id } } } }",
                "id", practitioner).at("/practitioner/network");
        browser.find("[data-expand='" + practitioner + "']").click();
        browser.settle();
        assertThat(browser.count("#colleagues-table")).isEqualTo(network.size());
        assertThat(browser.pathAndQuery()).endsWith("?expand=" + practitioner);
        browser.open(browser.pathAndQuery());
        assertThat(browser.count("#colleagues-table")).isEqualTo(network.size());

        browser.open("/ui/practitioner/" + practitioner);
        assertThat(browser.count("#colleagues-table")).isEqualTo(network.size());
        assertThat(browser.find("#graph").getAttribute("data-nodes")).isEqualTo(String.valueOf(network.size() + 1));
        browser.check("practitioner");
    }

    @Test
    void cohortBuilderCountsLiveSavesAndOpensPathways() {
        String criteria = "{\"and\":[{\"gender\":\"female\"},{\"age\":{\"min\":18}}]}";
        browser.open("/ui/cohort");
        assertThat(browser.count("#count")).isEqualTo(cohortCount(criteria));
        browser.check("cohort");

        // a criterion added through the form: empty codes are refused inline, a concept found by search counts
        browser.all(".crit-head + div > .toolbar button").getFirst().click();
        browser.settle();
        assertThat(browser.waitFor("#status .error").getText()).contains("BAD_CRITERIA").contains("codes is empty");
        JsonNode concept = employment();
        browser.find("[data-picker='Condition codes']").sendKeys("employment");
        browser.waitFor("[data-concept='" + concept.get("key").asText() + "']").click();
        browser.settle();
        String withCondition = "{\"and\":[{\"gender\":\"female\"},{\"age\":{\"min\":18}},{\"condition\":{\"codes\":[{\"system\":\""
                + concept.get("system").asText() + "\",\"code\":\"" + concept.get("code").asText() + "\"}]}}]}";
        int count = cohortCount(withCondition);
        assertThat(browser.count("#count")).isEqualTo(count);
        // the count is the population's; the members listed are those the signed-in user may see
        assertThat(browser.count("#members-table")).isEqualTo(data("query($c: CohortCriteria!) { cohort(criteria: $c) { "
                + "patients { nodes { id } } } }", "c", json(withCondition)).at("/cohort/patients/nodes").size());

        // the URL reproduces it
        browser.open(browser.pathAndQuery());
        assertThat(browser.count("#count")).isEqualTo(count);
        assertThat(json(browser.find("#json").getAttribute("value"))).isEqualTo(json(withCondition));

        // pasted JSON, bad criteria shown inline
        paste("{\"age\":{\"min\":40,\"max\":30}}");
        assertThat(browser.waitFor("#status .error").getText()).contains("min 40 is greater than max 30");
        paste(withCondition);
        assertThat(browser.count("#count")).isEqualTo(count);

        // saving needs a token that may create Groups: refused inline with this one, saved with one that may
        browser.find("#group-name").sendKeys("Employed women");
        browser.find("#save button").click();
        assertThat(browser.waitFor("#save-status .error").getText()).contains("FORBIDDEN");
        browser.consoleErrors();
        List<String> writer = List.of("system/*.rs", "system/Group.c", "system/caregraph.analytics");
        String cohortLink = browser.pathAndQuery();
        signIn(token("caregraph-ui", null, null, writer), null, writer);
        browser.open(cohortLink);
        browser.find("#group-name").sendKeys("Employed women");
        browser.find("#save button").click();
        WebElement saved = browser.waitFor("#saved-group");
        assertThat(saved.getAttribute("data-count")).isEqualTo(String.valueOf(count));
        String group = saved.getAttribute("data-id");
        JsonNode stored = json(query("MATCH (g:Group {id: $id}) RETURN g.json AS json", "id", group).getFirst().get("json").asString());
        assertThat(stored.get("member")).hasSize(count);

        // pathways of this cohort: the cohort's condition as the index, its members only
        browser.find("#to-pathways").click();
        browser.waitFor("#cohort-size");
        browser.settle();
        int size = data("query($s: [ConceptInput!]!, $c: CohortCriteria) { pathways(start: $s, cohort: $c) { cohortSize } }",
                "s", List.of(Map.of("system", concept.get("system").asText(), "code", concept.get("code").asText())),
                "c", json(withCondition)).at("/pathways/cohortSize").asInt();
        assertThat(browser.count("#cohort-size")).isEqualTo(size).isEqualTo(count);
        assertThat(browser.find("#cohort-note").getText()).contains("Confined to the patients of a cohort");
    }

    @Test
    void aClinicianSeesOnlyTheirOwnPatients() {
        // the practitioner who attended most of the richest patient's encounters, with the scopes the pages ask for
        String practitioner = "Practitioner/" + query("MATCH (:Patient {id: $id})<-[:SUBJECT]-(e:Encounter)-[r]->(pr:Practitioner) "
                + "WHERE r.path STARTS WITH 'Encounter.participant' WITH pr.id AS id, count(e) AS n RETURN id ORDER BY n DESC, id LIMIT 1",
                "id", patient).getFirst().get("id").asString();
        signIn(token("caregraph-ui", practitioner, null, UI_SCOPES), practitioner, UI_SCOPES);
        browser.open("/");
        assertThat(browser.find("#signed-in").getText()).contains(practitioner);
        JsonNode visible = fhir("Patient?_count=20");
        assertThat(visible.path("entry")).hasSizeBetween(1, 4); // each of the fixture's practitioners sees one patient
        assertThat(browser.count("#patient-results")).isEqualTo(visible.path("entry").size());
        assertThat(browser.count("#counts [data-type=Patient] [data-count]")).isEqualTo(fhir("Patient?_summary=count").get("total").asInt());
        browser.open("/ui/patient/" + patient + "/similar");
        assertThat(browser.count("#similar-count")).isEqualTo(data("query($id: ID!) { similarPatients(id: $id) { score } }", "id", patient)
                .get("similarPatients").size());
        browser.check("home-clinician");
        browser.find("#sign-out").click();
        browser.waitFor("#sign-in");
        assertThat(browser.js("return sessionStorage.getItem('caregraph.token')")).isNull();
        browser.consoleErrors(); // the 401s that made the page offer sign-in
    }

    @Test
    void darkModeFollowsTheSystemAndKeepsContrast() {
        browser.driver.executeCdpCommand("Emulation.setEmulatedMedia",
                Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", "dark"))));
        try {
            browser.open("/ui/patient/" + patient);
            browser.waitFor("#timeline-svg");
            assertThat(browser.js("return getComputedStyle(document.documentElement).backgroundColor")).isEqualTo("rgb(20, 23, 27)");
            browser.check("journey-dark");
            browser.open("/ui/cohort");
            browser.check("cohort-dark");
        } finally {
            browser.driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features", List.of()));
        }
    }

    @Test
    void graphiqlRunsQueriesLocally() {
        browser.open("/graphiql");
        browser.waitFor(".graphiql-container");
        browser.waitFor(".graphiql-execute-button").click();
        new org.openqa.selenium.support.ui.WebDriverWait(browser.driver, java.time.Duration.ofSeconds(20))
                .until(d -> browser.find(".result-window").getText().contains("\"uses\""));
        browser.check("graphiql");
    }

    private void paste(String criteria) {
        WebElement area = browser.find("#json");
        area.clear();
        area.sendKeys(criteria);
        browser.find("#apply-json").click();
        browser.settle();
    }

    private int cohortCount(String criteria) {
        return data("query($c: CohortCriteria!) { cohort(criteria: $c) { count } }", "c", json(criteria)).at("/cohort/count").asInt();
    }

    private List<JsonNode> journey() {
        List<JsonNode> events = new ArrayList<>();
        String after = null;
        do {
            JsonNode page = data("query($id: ID!, $after: String) { patient(id: $id) { journey(first: 1000, after: $after) { "
                    + "edges { node { key type time display } } pageInfo { hasNextPage endCursor } } } }", "id", patient, "after", after)
                    .at("/patient/journey");
            page.get("edges").forEach(e -> events.add(e.get("node")));
            after = page.at("/pageInfo/hasNextPage").asBoolean() ? page.at("/pageInfo/endCursor").asText() : null;
        } while (after != null);
        return events;
    }

    private static String text(JsonNode display) {
        return display.isNull() ? "—" : display.asText();
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<CSVRecord> csvRows(Path file) {
        try (Reader in = Files.newBufferedReader(file)) {
            return CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).get().parse(in).getRecords();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
