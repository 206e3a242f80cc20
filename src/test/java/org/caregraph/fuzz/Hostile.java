package org.caregraph.fuzz;

import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Generators of malformed and hostile input: strings that break parsers, escape contexts or smuggle other languages
 * (Cypher, SQL, HTML, JNDI, paths), JSON of any shape, and corruptions of valid text (truncation, insertion, swaps).
 */
final class Hostile {
    private Hostile() {
    }

    /** Fragments that attack something: injection, traversal, markup, encodings, extremes. */
    static final List<String> ATTACKS = List.of(
            "' OR '1'='1", "\" OR \"1\"=\"1", "'; DROP TABLE patient; --", "\"}) MATCH (n) DETACH DELETE n //",
            "') CALL { MATCH (n) DETACH DELETE n } //", "${jndi:ldap://127.0.0.1/x}", "<script>alert(1)</script>",
            "../../../../etc/passwd", "..%2f..%2fetc%2fpasswd", "%00", "\u0000", "\u202e", "\uFEFF", "\\", "\\u0000",
            "{{7*7}}", "#{7*7}", "%s%s%s%n", "NaN", "-Infinity", "1e999", "-0", "9223372036854775808",
            "-9223372036854775809", "0x7fffffff", "2025-02-30", "2025-13-01T25:61:61Z", "9999-12-31T23:59:59.999999999+14:00",
            "urn:uuid:", "urn:uuid:not-a-uuid", "Patient/", "Patient/../Observation/1", "Patient?identifier=", "#",
            "http://127.0.0.1:1/x", "file:///etc/passwd", "\r\nX-Injected: 1", "😀🏥", "ＡＢＣ", "a".repeat(5000),
            "|", "||", "$", ":", ",", "\\,", "*", "%", "_", "[", "]", "{", "}", "()", "\"", "'", "`");

    static Arbitrary<String> strings() {
        return Arbitraries.oneOf(
                Arbitraries.of(ATTACKS),
                Arbitraries.strings().ofMaxLength(40),
                Arbitraries.strings().all().ofMaxLength(200),
                Arbitraries.strings().withCharRange('\u0000', '\u001f').ofMaxLength(10),
                Combinators.combine(Arbitraries.strings().alpha().ofMaxLength(8), Arbitraries.of(ATTACKS))
                        .as((a, b) -> a + b));
    }

    /** Any JSON value, as text: nested objects and arrays, extreme numbers, hostile strings and keys. */
    static Arbitrary<String> json(int depth) {
        Arbitrary<String> leaf = Arbitraries.oneOf(
                Arbitraries.of("null", "true", "false", "0", "-0", "1e400", "-1e400", "123456789012345678901234567890",
                        "0.0000000000000000000001", "3.14"),
                Arbitraries.integers().map(String::valueOf),
                strings().map(Hostile::quote));
        if (depth <= 0) return leaf;
        Arbitrary<String> array = json(depth - 1).list().ofMaxSize(4).map(l -> "[" + String.join(",", l) + "]");
        Arbitrary<String> object = Combinators.combine(strings().map(Hostile::quote), json(depth - 1))
                .as((k, v) -> k + ":" + v).list().ofMaxSize(4).map(l -> "{" + String.join(",", l) + "}");
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, leaf), net.jqwik.api.Tuple.of(2, array), net.jqwik.api.Tuple.of(2, object));
    }

    /** A JSON string literal of {@code s}, escaped as JSON requires (control characters too). */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c)) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }

    /** {@code valid} corrupted: cut short, a character inserted, dropped or replaced, or parts swapped. */
    static Arbitrary<String> corrupt(String valid) {
        int n = valid.length();
        Arbitrary<Integer> at = Arbitraries.integers().between(0, n - 1);
        return Arbitraries.oneOf(
                at.map(i -> valid.substring(0, i)),
                Combinators.combine(at, strings()).as((i, s) -> valid.substring(0, i) + s + valid.substring(i)),
                at.map(i -> valid.substring(0, i) + valid.substring(i + 1)),
                Combinators.combine(at, Arbitraries.chars()).as((i, c) -> valid.substring(0, i) + c + valid.substring(i + 1)),
                Combinators.combine(at, at).as((i, j) -> {
                    int a = Math.min(i, j), b = Math.max(i, j);
                    return valid.substring(b) + valid.substring(a, b) + valid.substring(0, a);
                }));
    }

    /** A deeply nested structure: {@code open} n times, then {@code close} n times. */
    static Arbitrary<String> deep(String open, String close) {
        return Arbitraries.integers().between(50, 3000).map(n -> open.repeat(n) + close.repeat(n));
    }

    static String join(List<String> parts) {
        return parts.stream().collect(Collectors.joining());
    }
}
