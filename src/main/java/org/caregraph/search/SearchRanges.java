package org.caregraph.search;

import java.math.BigDecimal;
import java.text.Normalizer;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The value semantics shared by the write side (what a stored value covers) and the query side (what a search value
 * covers), so that both agree: a FHIR date, dateTime or instant is the range of epoch milliseconds its precision
 * covers ({@code 2020} is the whole year, a dateTime without an offset is taken as UTC); a search number covers the
 * range its significant digits imply ({@code 100} is [99.5, 100.5)); strings compare case- and accent-insensitively.
 */
public final class SearchRanges {
    /** Open ends of a period. */
    public static final long MIN = Long.MIN_VALUE;
    public static final long MAX = Long.MAX_VALUE;
    private static final Pattern DATE = Pattern.compile(
            "(\\d{4})(?:-(\\d{2})(?:-(\\d{2})(?:T(\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d+))?)?(Z|[+-]\\d{2}:\\d{2})?)?)?)?");

    private SearchRanges() {
    }

    /** [low, high] in epoch milliseconds, both inclusive; null when {@code text} is not a FHIR date/dateTime/instant. */
    public static long[] date(String text) {
        if (text == null) return null;
        Matcher m = DATE.matcher(text.strip());
        if (!m.matches()) return null;
        try {
            int year = Integer.parseInt(m.group(1));
            int month = m.group(2) == null ? 1 : Integer.parseInt(m.group(2));
            int day = m.group(3) == null ? 1 : Integer.parseInt(m.group(3));
            int hour = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
            int minute = m.group(5) == null ? 0 : Integer.parseInt(m.group(5));
            int second = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
            String fraction = m.group(7);
            int millis = fraction == null ? 0 : Integer.parseInt((fraction + "00").substring(0, 3));
            ZoneOffset offset = m.group(8) == null ? ZoneOffset.UTC : ZoneOffset.of(m.group(8));
            OffsetDateTime low = OffsetDateTime.of(LocalDateTime.of(year, month, day, hour, minute, second, millis * 1_000_000), offset);
            OffsetDateTime next;
            if (m.group(2) == null) next = low.plusYears(1);
            else if (m.group(3) == null) next = low.plusMonths(1);
            else if (m.group(4) == null) next = low.plusDays(1);
            else if (m.group(6) == null) next = low.plusMinutes(1);
            else if (fraction == null) next = low.plusSeconds(1);
            else next = low.plusNanos(fraction.length() >= 3 ? 1_000_000 : (long) Math.pow(10, 9 - fraction.length()));
            long lo = low.toInstant().toEpochMilli();
            return new long[] {lo, next.toInstant().toEpochMilli() - 1};
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The range a search number's precision covers: {@code 100} → [99.5, 100.5), {@code 1e2} → [50, 150). */
    public static double[] number(String text) {
        BigDecimal value = new BigDecimal(text.strip());
        BigDecimal half = BigDecimal.ONE.movePointLeft(value.scale()).divide(BigDecimal.valueOf(2));
        return new double[] {value.subtract(half).doubleValue(), Math.nextDown(value.add(half).doubleValue())};
    }

    /** Letters that Unicode decomposition keeps whole, as the letters they stand for ("ß" = "ss", "æ" = "ae"). */
    private static final String[][] FOLDS = {{"ß", "ss"}, {"ẞ", "ss"}, {"æ", "ae"}, {"Æ", "ae"}, {"œ", "oe"}, {"Œ", "oe"},
            {"ø", "o"}, {"Ø", "o"}, {"đ", "d"}, {"Đ", "d"}, {"ð", "d"}, {"Ð", "d"}, {"ł", "l"}, {"Ł", "l"}, {"þ", "th"},
            {"Þ", "th"}, {"ı", "i"}, {"ĳ", "ij"}, {"Ĳ", "ij"}};
    private static final Pattern MARKS = Pattern.compile("\\p{M}+");

    /**
     * Strings are matched case-, accent- and ligature-insensitively (FHIR string search): compatibility decomposition
     * splits ligatures ("ﬁ" = "fi") and accented letters, the marks are dropped, the letters decomposition keeps whole
     * are spelled out ("ß" = "ss", "æ" = "ae"), then lower case.
     */
    public static String normalize(String s) {
        String folded = MARKS.matcher(Normalizer.normalize(s, Normalizer.Form.NFKD)).replaceAll("");
        for (String[] f : FOLDS) if (folded.contains(f[0])) folded = folded.replace(f[0], f[1]);
        return folded.toLowerCase(Locale.ROOT);
    }

    /** A search value with FHIR's escapes ({@code \,} {@code \$} {@code \|} {@code \\}) resolved. */
    public static String unescape(String value) {
        if (value.indexOf('\\') < 0) return value;
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length() && ",$|\\".indexOf(value.charAt(i + 1)) >= 0) c = value.charAt(++i);
            out.append(c);
        }
        return out.toString();
    }

    /** Index of the first {@code c} in {@code value} not escaped by a backslash, or -1. */
    public static int unescaped(String value, char c, int from) {
        for (int i = from; i < value.length(); i++) {
            if (value.charAt(i) == '\\') i++;
            else if (value.charAt(i) == c) return i;
        }
        return -1;
    }
}
