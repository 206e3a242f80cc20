package org.caregraph.ingest;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/** Turns what an HTTP caller asked to import into inputs the server may read, or refuses with a reason. */
final class InputResolver {
    private static final Pattern URL = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");

    /** A caller's input: a file set under the root, or a URL to fetch when the job runs. */
    sealed interface Resolved permits Files_, Url {
    }

    record Files_(List<ImportInput> inputs) implements Resolved {
    }

    record Url(URI uri) implements Resolved {
    }

    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }
    }

    private final ImportProperties props;

    InputResolver(ImportProperties props) {
        this.props = props;
    }

    Resolved resolve(String input) {
        if (input == null || input.isBlank()) throw new Refused("empty input");
        return URL.matcher(input).matches() && !input.matches("^[a-zA-Z]:[\\\\/].*") ? url(input) : path(input);
    }

    private Url url(String input) {
        URI uri;
        try {
            uri = new URI(input).normalize();
        } catch (URISyntaxException e) {
            throw new Refused("not a valid URL: " + e.getReason());
        }
        String scheme = String.valueOf(uri.getScheme()).toLowerCase();
        if (!scheme.equals("https") && !scheme.equals("http")) throw new Refused("only http and https URLs are imported");
        if (uri.getRawUserInfo() != null) throw new Refused("URLs with credentials are refused");
        if (uri.getRawPath() != null && uri.getRawPath().contains("..")) throw new Refused("URL paths may not contain '..'");
        String s = uri.toString();
        if (props.allowedUrlPrefixes().stream().noneMatch(s::startsWith)) {
            throw new Refused("URL is not under an allowed prefix (caregraph.import.allowed-url-prefixes)");
        }
        return new Url(uri);
    }

    private Files_ path(String input) {
        if (props.root() == null) throw new Refused("file imports are disabled: no caregraph.import.root is configured");
        Path relative = Path.of(input);
        if (relative.isAbsolute()) throw new Refused("paths are relative to the import root");
        for (Path part : relative) {
            if (part.toString().equals("..")) throw new Refused("paths may not contain '..'");
        }
        try {
            Path root = props.root().toRealPath();
            Path target = root.resolve(relative).normalize();
            if (!Files.exists(target)) throw new Refused("no such file or directory under the import root: " + input);
            if (!target.toRealPath().startsWith(root)) throw new Refused("path leaves the import root: " + input);
            List<ImportInput> inputs = ImportInput.expand(target, input);
            for (ImportInput i : inputs) {
                if (!i.path().toRealPath().startsWith(root)) throw new Refused("path leaves the import root: " + i.name());
            }
            return new Files_(inputs);
        } catch (IOException e) {
            throw new Refused("cannot read " + input + ": " + e.getMessage());
        }
    }
}
