package org.caregraph.graphql;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The schema's {@code CohortCriteria} as Spring GraphQL binds it: exactly one field set per object. {@link #check}
 * refuses what cannot be evaluated before any query runs, naming where the problem is.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CohortCriteria(List<CohortCriteria> and, List<CohortCriteria> or, CohortCriteria not,
                             CodeCriterion condition, CodeCriterion medication, CodeCriterion procedure,
                             CodeCriterion immunization, ObservationCriterion observation, String gender,
                             AgeCriterion age, MentionCriterion mention) {

    static final Set<String> GENDERS = Set.of("male", "female", "other", "unknown");
    /** Each leaf is a query (two with a relative window): a bound on them bounds what one request asks of the database. */
    static final int MAX_QUERIES = 64;
    static final int MAX_DEPTH = 16;

    /** The schema's ConceptInput: a null system names the code in any system. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Concept(String system, String code) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CodeCriterion(List<Concept> codes, Boolean includeDescendants, String from, String to,
                                RelativeWindow relativeTo) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RelativeWindow(CodeCriterion index, EventType indexType, Integer minDays, Integer maxDays) {
        EventType type() {
            return indexType == null ? EventType.CONDITION : indexType;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ObservationCriterion(Concept code, Boolean includeDescendants, Double min, Double max, String unit,
                                       String from, String to, RelativeWindow relativeTo) {
        boolean hasValue() {
            return min != null || max != null || unit != null;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AgeCriterion(Integer min, Integer max, String at) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MentionCriterion(List<Concept> codes, Boolean includeDescendants, Boolean includeNegated,
                                   Boolean includeUncertain, Boolean includeOtherExperiencer) {
    }

    /** Throws BAD_CRITERIA naming the first problem (e.g. at {@code criteria.and[1].condition}), or when too large. */
    void check() {
        check("criteria", 1);
        int queries = queries();
        if (queries > MAX_QUERIES) {
            throw bad("criteria", "need " + queries + " queries; at most " + MAX_QUERIES + " are run for one cohort");
        }
    }

    /** How many leaf queries evaluating these criteria runs. */
    private int queries() {
        int n = 0;
        for (List<CohortCriteria> list : Arrays.asList(and, or)) {
            if (list != null) for (CohortCriteria c : list) n += c.queries();
        }
        if (not != null) n += not.queries();
        for (CodeCriterion c : new CodeCriterion[] {condition, medication, procedure, immunization}) {
            if (c != null) n += c.relativeTo() == null ? 1 : 2;
        }
        if (observation != null) n += observation.relativeTo() == null ? 1 : 2;
        if (gender != null || age != null || mention != null) n++;
        return n;
    }

    private void check(String at, int depth) {
        if (depth > MAX_DEPTH) throw bad(at, "nests deeper than " + MAX_DEPTH + " levels");
        List<String> set = new ArrayList<>();
        if (and != null) set.add("and");
        if (or != null) set.add("or");
        if (not != null) set.add("not");
        if (condition != null) set.add("condition");
        if (medication != null) set.add("medication");
        if (procedure != null) set.add("procedure");
        if (immunization != null) set.add("immunization");
        if (observation != null) set.add("observation");
        if (gender != null) set.add("gender");
        if (age != null) set.add("age");
        if (mention != null) set.add("mention");
        if (set.size() != 1) {
            throw bad(at, set.isEmpty() ? "sets no field; set exactly one"
                    : "sets " + String.join(", ", set) + "; set exactly one (combine with and/or)");
        }
        String field = at + "." + set.getFirst();
        if (and != null) checkAll(field, and, depth + 1);
        if (or != null) checkAll(field, or, depth + 1);
        if (not != null) not.check(field, depth + 1);
        for (CodeCriterion c : new CodeCriterion[] {condition, medication, procedure, immunization}) {
            if (c != null) check(field, c, true);
        }
        if (observation != null) {
            if (observation.code() == null) throw bad(field, "code is required");
            check(field + ".code", observation.code());
            range(field, observation.min(), observation.max());
            window(field, observation.from(), observation.to(), observation.relativeTo());
        }
        if (gender != null && !GENDERS.contains(gender)) {
            throw bad(field, "'" + gender + "' is no FHIR administrative gender (male, female, other, unknown)");
        }
        if (age != null) {
            if (age.min() == null && age.max() == null) throw bad(field, "sets neither min nor max");
            if (age.min() != null && age.min() < 0 || age.max() != null && age.max() < 0) throw bad(field, "ages are not negative");
            range(field, age.min(), age.max());
            date(field + ".at", age.at());
        }
        if (mention != null) codes(field, mention.codes());
    }

    private static void checkAll(String at, List<CohortCriteria> list, int depth) {
        if (list.isEmpty()) throw bad(at, "is an empty list");
        for (int i = 0; i < list.size(); i++) list.get(i).check(at + "[" + i + "]", depth);
    }

    private static void check(String at, CodeCriterion c, boolean relativeAllowed) {
        codes(at, c.codes());
        if (!relativeAllowed && c.relativeTo() != null) throw bad(at + ".relativeTo", "an index event takes no relativeTo");
        window(at, c.from(), c.to(), c.relativeTo());
    }

    private static void codes(String at, List<Concept> codes) {
        if (codes == null || codes.isEmpty()) throw bad(at + ".codes", "is empty; name at least one concept");
        for (int i = 0; i < codes.size(); i++) check(at + ".codes[" + i + "]", codes.get(i));
    }

    private static void check(String at, Concept c) {
        if (c.code() == null || c.code().isBlank()) throw bad(at, "has no code");
        if (c.system() != null && c.system().isBlank()) throw bad(at, "has a blank system (omit it for any system)");
    }

    private static void window(String at, String from, String to, RelativeWindow relative) {
        OffsetDateTime start = from(at + ".from", from);
        OffsetDateTime end = to(at + ".to", to);
        if (start != null && end != null && !start.isBefore(end)) throw bad(at, "from is not before to");
        if (relative != null) {
            if (relative.index() == null) throw bad(at + ".relativeTo", "index is required");
            check(at + ".relativeTo.index", relative.index(), false);
            range(at + ".relativeTo", relative.minDays(), relative.maxDays());
        }
    }

    private static void range(String at, Number min, Number max) {
        if (min != null && max != null && min.doubleValue() > max.doubleValue()) {
            throw bad(at, "min " + min + " is greater than max " + max);
        }
    }

    /** The start of a window: a date means its first instant (UTC); null when unbounded. */
    static OffsetDateTime from(String at, String value) {
        return value == null ? null : instant(at, value, false);
    }

    /** The (exclusive) end of a window: a date means through its last instant (UTC); null when unbounded. */
    static OffsetDateTime to(String at, String value) {
        return value == null ? null : instant(at, value, true);
    }

    static LocalDate date(String at, String value) {
        if (value == null) return LocalDate.now(ZoneOffset.UTC);
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw bad(at, "'" + value + "' is no ISO date (yyyy-mm-dd)");
        }
    }

    private static OffsetDateTime instant(String at, String value, boolean endOfDay) {
        try {
            return OffsetDateTime.parse(value);
        } catch (DateTimeParseException notWithOffset) {
            try {
                return LocalDateTime.parse(value).atOffset(ZoneOffset.UTC);
            } catch (DateTimeParseException notLocal) {
                try {
                    LocalDate day = LocalDate.parse(value);
                    return (endOfDay ? day.plusDays(1) : day).atStartOfDay().atOffset(ZoneOffset.UTC);
                } catch (DateTimeParseException notDate) {
                    throw bad(at, "'" + value + "' is no ISO date (yyyy-mm-dd) or dateTime (yyyy-mm-ddThh:mm:ss+hh:mm)");
                }
            }
        }
    }

    /**
     * A time as stored on a node (ISO dateTime with offset, or a date, read as its start in UTC); null when absent or
     * not a time.
     */
    static OffsetDateTime stored(String time) {
        if (time == null) return null;
        try {
            return instant("", time, false);
        } catch (GraphQlRequestException e) {
            return null;
        }
    }

    private static GraphQlRequestException bad(String at, String problem) {
        return new GraphQlRequestException("BAD_CRITERIA", at + " " + problem);
    }
}
