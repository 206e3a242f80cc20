package org.caregraph.graphql;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A hand-built population for tests whose right answers are known: FHIR R4 resources written as NDJSON and loaded
 * through the real import. Codes are SNOMED CT (conditions, procedures), RxNorm (medications) and LOINC
 * (observations); times are ISO dateTimes.
 */
public final class Population {
    public static final String SNOMED = "http://snomed.info/sct";
    public static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
    public static final String LOINC = "http://loinc.org";

    private final List<String> lines = new ArrayList<>();

    public Population patient(String id, String gender, String birthDate, String given, String family) {
        return add("""
                {"resourceType":"Patient","id":"%s","gender":"%s","birthDate":"%s",
                 "name":[{"use":"official","given":["%s"],"family":"%s"}]}""".formatted(id, gender, birthDate, given, family));
    }

    public Population practitioner(String id, String given, String family) {
        return add("""
                {"resourceType":"Practitioner","id":"%s","name":[{"given":["%s"],"family":"%s"}]}"""
                .formatted(id, given, family));
    }

    public Population organization(String id, String name) {
        return add("""
                {"resourceType":"Organization","id":"%s","name":"%s"}""".formatted(id, name));
    }

    /** An ambulatory encounter of {@code patient} starting at {@code start}, one hour long, with an attending practitioner (or none). */
    public Population encounter(String id, String patient, String start, String practitioner, String organization) {
        String participant = practitioner == null ? "" : """
                ,"participant":[{"individual":{"reference":"Practitioner/%s"}}]""".formatted(practitioner);
        String provider = organization == null ? "" : """
                ,"serviceProvider":{"reference":"Organization/%s"}""".formatted(organization);
        return add("""
                {"resourceType":"Encounter","id":"%s","status":"finished",
                 "class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
                 "type":[{"coding":[{"system":"%s","code":"185349003","display":"Encounter for check up"}]}],
                 "subject":{"reference":"Patient/%s"},"period":{"start":"%s","end":"%s"}%s%s}"""
                .formatted(id, SNOMED, patient, start, plusOneHour(start), participant, provider));
    }

    public Population condition(String id, String patient, String encounter, String code, String display, String onset) {
        return add("""
                {"resourceType":"Condition","id":"%s","subject":{"reference":"Patient/%s"}%s,
                 "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-category","code":"encounter-diagnosis"}]}],
                 "code":{"coding":[{"system":"%s","code":"%s","display":"%s"}]},"onsetDateTime":"%s"}"""
                .formatted(id, patient, encounterRef(encounter), SNOMED, code, display, onset));
    }

    public Population medication(String id, String patient, String encounter, String code, String display,
                                 String authoredOn, String requester) {
        String req = requester == null ? "" : """
                ,"requester":{"reference":"Practitioner/%s"}""".formatted(requester);
        return add("""
                {"resourceType":"MedicationRequest","id":"%s","status":"active","intent":"order",
                 "subject":{"reference":"Patient/%s"}%s%s,
                 "medicationCodeableConcept":{"coding":[{"system":"%s","code":"%s","display":"%s"}]},"authoredOn":"%s"}"""
                .formatted(id, patient, encounterRef(encounter), req, RXNORM, code, display, authoredOn));
    }

    public Population procedure(String id, String patient, String encounter, String code, String display, String performed) {
        return add("""
                {"resourceType":"Procedure","id":"%s","status":"completed","subject":{"reference":"Patient/%s"}%s,
                 "code":{"coding":[{"system":"%s","code":"%s","display":"%s"}]},"performedDateTime":"%s"}"""
                .formatted(id, patient, encounterRef(encounter), SNOMED, code, display, performed));
    }

    public Population observation(String id, String patient, String encounter, String code, String display,
                                  String effective, double value, String unit) {
        return add("""
                {"resourceType":"Observation","id":"%s","status":"final","subject":{"reference":"Patient/%s"}%s,
                 "code":{"coding":[{"system":"%s","code":"%s","display":"%s"}]},"effectiveDateTime":"%s",
                 "valueQuantity":{"value":%s,"unit":"%s","system":"http://unitsofmeasure.org","code":"%s"}}"""
                .formatted(id, patient, encounterRef(encounter), LOINC, code, display, effective, value, unit, unit));
    }

    /** Any other resource, as JSON. */
    public Population add(String json) {
        lines.add(json.replace("\n", " "));
        return this;
    }

    /** Writes the population as one NDJSON file in {@code dir} and returns it. */
    public Path write(Path dir) {
        try {
            Files.createDirectories(dir);
            Path file = Files.createTempFile(dir, "population", ".ndjson");
            Files.write(file, lines);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String encounterRef(String encounter) {
        return encounter == null ? "" : """
                ,"encounter":{"reference":"Encounter/%s"}""".formatted(encounter);
    }

    private static String plusOneHour(String start) {
        return java.time.OffsetDateTime.parse(start).plusHours(1).toString();
    }
}
