package org.caregraph.graph;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Cypher the application runs, read from the top-level {@code cypher/} folder (packaged as classpath
 * {@code cypher/}), so that analysts read exactly the queries the app executes.
 */
public final class Cypher {
    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

    private Cypher() {
    }

    /**
     * The query in {@code cypher/NAME.cypher}; a name {@code A+B+C} is the query composed of the fragments A, B and C
     * in that order (FHIR search composes its queries from the fragments in {@code cypher/search/}). A line
     * {@code // @include FRAGMENT} is replaced by that fragment's text (the access filter,
     * {@code security/visible}, is included so in every query that reads resources).
     */
    public static String query(String name) {
        return CACHE.computeIfAbsent(name, n -> n.contains("+")
                ? String.join("\n", Arrays.stream(n.split("\\+")).map(Cypher::load).toList()) : load(n));
    }

    /** The statements of a multi-statement file, split at semicolons that end a line. */
    public static List<String> statements(String name) {
        return Arrays.stream(query(name).split(";\\s*(\\n|$)"))
                .map(s -> s.lines().filter(l -> !l.strip().startsWith("//")).reduce("", (a, b) -> a + b + "\n").strip())
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static final Pattern INCLUDE = Pattern.compile("(?m)^[ \\t]*// @include (\\S+)[ \\t]*$");

    private static String load(String name) {
        String path = "cypher/" + name + ".cypher";
        try (InputStream in = Cypher.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("missing Cypher file " + path);
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return INCLUDE.matcher(text).replaceAll(m -> Matcher.quoteReplacement(load(m.group(1))));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }
}
