package org.caregraph.nlp;

import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;

import org.caregraph.nlp.Mention.Category;

/**
 * What kind of thing a concept is, from where the graph uses it (the FHIRPath of its CODED links: a Condition's code is
 * a condition) and, failing that, from the terminology: SNOMED's semantic tag, RxNorm (medications), LOINC (tests).
 * The type is Comprehend Medical's: DX_NAME, GENERIC_NAME / BRAND_NAME, TEST_NAME, PROCEDURE_NAME, SYSTEM_ORGAN_SITE.
 * A condition-like concept coded at AllergyIntolerance.code ("Allergy to substance (finding)") is an allergy; the
 * allergens coded there (a drug, "Peanut (substance)") are not, whatever else they are.
 */
final class ConceptCategory {

    /** @param allergy the concept is an allergy (a MEDICAL_CONDITION coded at AllergyIntolerance.code) */
    record Kinded(Category category, String type, boolean allergy) {
    }

    private static final String ALLERGY_CODE = "AllergyIntolerance.code";
    static final String RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";
    static final String LOINC = "http://loinc.org";

    private ConceptCategory() {
    }

    /** The category and type, or null when nothing tells what the concept is. */
    static Kinded of(String system, String display, List<String> paths) {
        Category fromPath = null;
        boolean test = LOINC.equals(system);
        boolean allergyCode = false;
        for (String p : paths == null ? List.<String>of() : paths) {
            allergyCode |= p.equals(ALLERGY_CODE);
            Category c = fromPath(p);
            // a concept coded in several places: a condition or medication use says more than a bodySite or a test
            if (c != null && (fromPath == null || c.ordinal() < fromPath.ordinal())) fromPath = c;
            test |= p.startsWith("Observation.") || p.startsWith("DiagnosticReport.");
        }
        String tag = tag(display);
        Category category = fromPath != null ? fromPath : fromTag(tag);
        if (category == null && RXNORM.equals(system)) category = Category.MEDICATION;
        if (category == null && LOINC.equals(system)) category = Category.TEST_TREATMENT_PROCEDURE;
        if (category == null) return null;
        test |= "observable entity".equals(tag);
        return new Kinded(category, type(category, display, test), allergyCode && category == Category.MEDICAL_CONDITION);
    }

    private static Category fromPath(String path) {
        if (path.equals("Condition.code")) return Category.MEDICAL_CONDITION;
        if (path.startsWith("MedicationRequest.medication") || path.startsWith("MedicationStatement.medication")
                || path.startsWith("MedicationAdministration.medication") || path.startsWith("MedicationDispense.medication")
                || path.equals("Medication.code") || path.equals("Immunization.vaccineCode")) { // a vaccine is a drug
            return Category.MEDICATION;
        }
        // tests and procedures; a care plan and its activities are treatments too
        if (path.equals("Procedure.code") || path.equals("Observation.code") || path.equals("DiagnosticReport.code")
                || path.equals("CarePlan.category") || path.equals("CarePlan.activity.detail.code")) {
            return Category.TEST_TREATMENT_PROCEDURE;
        }
        if (path.endsWith(".bodySite")) return Category.ANATOMY;
        return null;
    }

    private static String tag(String display) {
        if (display == null) return null;
        Matcher m = Lexicon.SEMANTIC_TAG.matcher(display);
        return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : null;
    }

    private static Category fromTag(String tag) {
        if (tag == null) return null;
        return switch (tag) {
            case "disorder", "finding", "situation", "morphologic abnormality" -> Category.MEDICAL_CONDITION;
            case "procedure", "regime/therapy", "observable entity" -> Category.TEST_TREATMENT_PROCEDURE;
            case "body structure" -> Category.ANATOMY;
            case "product", "medicinal product", "clinical drug" -> Category.MEDICATION;
            default -> null;
        };
    }

    private static String type(Category category, String display, boolean test) {
        return switch (category) {
            case MEDICAL_CONDITION -> "DX_NAME";
            // RxNorm writes a branded drug's brand in brackets: "... Oral Tablet [Glucophage]"
            case MEDICATION -> display != null && display.contains("[") ? "BRAND_NAME" : "GENERIC_NAME";
            case TEST_TREATMENT_PROCEDURE -> test ? "TEST_NAME" : "PROCEDURE_NAME";
            case ANATOMY -> "SYSTEM_ORGAN_SITE";
        };
    }
}
