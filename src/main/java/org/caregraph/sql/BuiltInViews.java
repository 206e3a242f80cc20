package org.caregraph.sql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.stereotype.Component;

/**
 * The views every store has: the ViewDefinitions in the top-level sql-views/ folder (packaged as classpath
 * sql-views/), so that analysts read the definitions the tables are built from. Compiled once, at startup: a broken
 * built-in view stops the application rather than leaving a table missing.
 */
@Component
public class BuiltInViews {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<ViewTable> views;

    public BuiltInViews(ViewCompiler compiler) {
        List<ViewTable> out = new ArrayList<>();
        try {
            Resource[] files = new PathMatchingResourcePatternResolver(getClass().getClassLoader())
                    .getResources("classpath*:sql-views/*.json");
            for (Resource res : java.util.Arrays.stream(files).sorted(Comparator.comparing(Resource::getFilename)).toList()) {
                try (InputStream in = res.getInputStream()) {
                    JsonNode json = JSON.readTree(in);
                    out.add(ViewTable.of(compiler.compile(json), json, "sql-views/" + res.getFilename()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.views = List.copyOf(out);
    }

    public List<ViewTable> views() {
        return views;
    }
}
