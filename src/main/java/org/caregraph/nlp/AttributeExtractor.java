package org.caregraph.nlp;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.caregraph.nlp.Mention.Attribute;
import org.caregraph.nlp.Mention.Category;

/**
 * Attributes linked to their entity: a medication's strength, dose, route, frequency, duration and form, found in the
 * medication's own words ("amlodipine 2.5 mg oral tablet") and after it up to the next entity or the end of the
 * sentence; a test's value and unit right after the test's name ("HbA1c 7.2 %", "glucose was 180 mg/dL").
 * Types are Comprehend Medical's.
 */
final class AttributeExtractor {

    /**
     * Latin shorthand written plain or dotted: "bid", "b.i.d.", "b.i.d" — a final dot only after a dotted form, so the
     * period that ends "... PO BID." stays the sentence's.
     */
    private static String dotted(String... abbreviations) {
        StringBuilder alternatives = new StringBuilder();
        for (String a : abbreviations) {
            if (!alternatives.isEmpty()) alternatives.append('|');
            alternatives.append(String.join("\\.", a.split("")) + "\\.?|" + a);
        }
        return alternatives.toString();
    }

    private static final String NUMBER = "\\d+(?:[.,]\\d+)?";
    private static final String FORMS = "tablets?|tabs?|capsules?|caps?|puffs?|drops?|sprays?|patch(?:es)?|"
            + "lozenges?|suppositor(?:y|ies)|vials?|ampoules?|pens?|inhalers?|injections?|solution|suspension|syrup|"
            + "cream|ointment|gel|lotion|powder|elixir|film";
    private static final Pattern STRENGTH = Pattern.compile("(?i)\\b" + NUMBER
            + "\\s*(?:mg|mcg|µg|ug|g|ml|l|meq|units?|unt|iu|%)(?:\\s*/\\s*(?:ml|l|hr|h|actuat|dose|kg|g))?(?![\\p{L}\\d])");
    private static final Pattern DOSAGE = Pattern.compile("(?i)\\b(?:" + NUMBER + "|one|two|three|four|half|1/2)\\s*(?:"
            + FORMS + "|units?)\\b");
    private static final Pattern FORM = Pattern.compile("(?i)\\b(?:" + FORMS + ")\\b");
    private static final Pattern ROUTE = Pattern.compile("(?i)(?<![\\p{L}])(?:oral(?:ly)?|by mouth|" + dotted("po") + "|"
            + "intravenous(?:ly)?|iv|intramuscular(?:ly)?|im|subcutaneous(?:ly)?|sub-?q|" + dotted("sc") + "|sq|topical(?:ly)?|"
            + "inhal(?:ed|ation)|sublingual(?:ly)?|" + dotted("sl") + "|transdermal(?:ly)?|intranasal(?:ly)?|nasal|rectal(?:ly)?|"
            + dotted("pr") + "|ophthalmic|otic|vaginal(?:ly)?|injectable)(?![\\p{L}])");
    private static final Pattern FREQUENCY = Pattern.compile("(?i)(?<![\\p{L}])(?:(?:once|twice|three times|four times)"
            + "\\s+(?:a |per |)(?:day|daily|week|weekly)|once daily|daily|nightly|weekly|monthly|every other day|"
            + "every (?:morning|evening|night|day)|every\\s+\\d+(?:\\s*(?:-|to)\\s*\\d+)?\\s*(?:hours?|hrs?|h|days?|weeks?)|"
            + "at bedtime|as needed|q\\.?\\s?\\d+\\s?(?:h|hr|hrs|hours?)|" + dotted("qd", "qhs", "qam", "qpm", "bid", "tid", "qid", "prn")
            + ")(?![\\p{L}])");
    private static final Pattern DURATION = Pattern.compile("(?i)\\b(?:for|x|×)\\s*(?:" + NUMBER
            + "|one|two|three|four|five|six|seven|ten|fourteen)\\s*(?:days?|weeks?|wks?|months?|mos?)\\b");
    /** A test's value right after its name, maybe after a linking word; the unit when one follows. */
    private static final Pattern TEST_RESULT = Pattern.compile("(?i)^[\\s:=(]*(?:(?:of|was|is|were|are|level|levels|"
            + "result|value|measured|at|reading)\\s*[:=]?\\s*)*((?:[<>]=?|≤|≥)?\\s*" + NUMBER + "(?:/" + NUMBER + ")?)"
            + "(?:\\s*(%|(?:mg|g|ng|pg|µg|ug|mmol|µmol|umol|mol|meq|iu|u|miu|k|m)/(?:dl|l|ml|ul|µl|kg|24h)|"
            + "mm\\s?\\[?hg\\]?|kg/m2|kg/m\\^?2|kg|g|lbs?|cm|mm|in|bpm|beats/min|breaths/min|/min|°\\s?[cf]|deg\\s?[cf]|"
            + "\\[?degf\\]?|cel|ml/min(?:/1\\.73m2)?|10\\*3/ul|10\\*6/ul|fl|pg|sec|s)(?![\\p{L}\\d]))?");
    /** How far after its entity an attribute may be. */
    private static final int WINDOW = 120;

    private record Kind(String type, Pattern pattern) {
    }

    private static final List<Kind> MEDICATION = List.of(new Kind("STRENGTH", STRENGTH), new Kind("DOSAGE", DOSAGE),
            new Kind("ROUTE_OR_MODE", ROUTE), new Kind("FREQUENCY", FREQUENCY), new Kind("DURATION", DURATION),
            new Kind("FORM", FORM));

    /**
     * The attributes of the entity at [begin, end) of {@code text}; {@code limit} is where the next entity or the
     * sentence starts, beyond which nothing belongs to this one.
     */
    List<Attribute> attributes(String text, Category category, String type, int begin, int end, int limit) {
        int stop = Math.min(limit, end + WINDOW);
        if (category == Category.MEDICATION) return medication(text, begin, stop);
        if (category == Category.TEST_TREATMENT_PROCEDURE && "TEST_NAME".equals(type)) return test(text, end, stop);
        return List.of();
    }

    private static List<Attribute> medication(String text, int from, int to) {
        List<Attribute> found = new ArrayList<>();
        for (Kind k : MEDICATION) {
            Matcher m = k.pattern().matcher(text).region(from, to);
            while (m.find()) {
                // one reading per piece of text: "1 tablet" is a dosage, its "tablet" not again a form
                int b = m.start(), e = m.end();
                if (found.stream().noneMatch(a -> a.begin() < e && b < a.end())) {
                    found.add(new Attribute(k.type(), text.substring(b, e), b, e));
                }
            }
        }
        found.sort(Comparator.comparingInt(Attribute::begin));
        return found;
    }

    private static List<Attribute> test(String text, int from, int to) {
        Matcher m = TEST_RESULT.matcher(text).region(from, to);
        if (!m.lookingAt()) return List.of();
        List<Attribute> found = new ArrayList<>(2);
        found.add(new Attribute("TEST_VALUE", m.group(1), m.start(1), m.end(1)));
        if (m.group(2) != null) found.add(new Attribute("TEST_UNIT", m.group(2), m.start(2), m.end(2)));
        return found;
    }
}
