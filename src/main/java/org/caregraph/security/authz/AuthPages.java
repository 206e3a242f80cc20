package org.caregraph.security.authz;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import org.springframework.web.util.HtmlUtils;

/**
 * The authorization server's few pages, rendered on the server: sign-in, the standalone patient picker, and an error
 * page for requests that cannot be sent back to the app. Plain accessible HTML (a language, a heading, labelled
 * fields, errors announced with role=alert, visible focus), its one stylesheet inline and allowed by hash in the
 * Content-Security-Policy ({@link #csp}), no script, nothing from another origin. Every value is HTML-escaped.
 */
final class AuthPages {
    private static final String STYLE = """
            body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1b1f23}
            main{max-width:28rem;margin:3rem auto;padding:2rem;background:#fff;border:1px solid #c9d1d9;border-radius:8px}
            h1{font-size:1.5rem;margin-top:0}label{display:block;font-weight:600;margin-top:1rem}
            input[type=text],input[type=password],input[type=search]{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border:1px solid #57606a;border-radius:4px}
            button{margin-top:1.25rem;padding:.5rem 1.25rem;font:inherit;border-radius:4px;border:1px solid #1f4f99;background:#1f5fbf;color:#fff;cursor:pointer}
            button.secondary{background:#fff;color:#1f4f99}
            :focus-visible{outline:3px solid #bf5f00;outline-offset:2px}
            .alert{border:1px solid #a40e26;background:#ffebe9;color:#82071e;padding:.5rem .75rem;border-radius:4px}
            fieldset{border:1px solid #c9d1d9;border-radius:4px;margin-top:1rem}
            fieldset label{display:inline;font-weight:400;margin:0}
            .patient{margin:.35rem 0}.scopes{font-family:ui-monospace,monospace;font-size:.9rem}
            """;
    private static final String STYLE_HASH = sha256(STYLE);

    /**
     * The pages' Content-Security-Policy: no script at all; styles only our own; never framed (clickjacking of the
     * sign-in form); forms go to this server and, since a browser checks the redirects a form submission leads to,
     * to the origin of the app's redirect URI ({@code redirectOrigin}, null when the page sends nowhere else).
     */
    static String csp(String redirectOrigin) {
        return "default-src 'none'; style-src '" + STYLE_HASH + "'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
                + (redirectOrigin == null ? "" : " " + redirectOrigin);
    }

    private AuthPages() {
    }

    /** A patient the picker offers. */
    record PatientChoice(String id, String name, String birthDate, String gender) {
    }

    static String login(String csrfName, String csrfToken, boolean failed, boolean signedOut, String app, List<String> scopes) {
        StringBuilder b = new StringBuilder();
        b.append("<h1>Sign in to CareGraph</h1>");
        if (app != null) {
            b.append("<p><strong>").append(e(app)).append("</strong> asks for access");
            if (!scopes.isEmpty()) {
                b.append(" with these scopes:</p><ul class=\"scopes\">");
                for (String s : scopes) b.append("<li>").append(e(s)).append("</li>");
                b.append("</ul>");
            } else {
                b.append(".</p>");
            }
        }
        if (failed) b.append("<p class=\"alert\" role=\"alert\">The user name or password is not right.</p>");
        if (signedOut) b.append("<p role=\"status\">You are signed out.</p>");
        b.append("<form method=\"post\" action=\"/auth/login\">")
                .append(hidden(csrfName, csrfToken))
                .append("<label for=\"username\">User name</label>")
                .append("<input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" required autofocus>")
                .append("<label for=\"password\">Password</label>")
                .append("<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required>")
                .append("<button type=\"submit\">Sign in</button></form>");
        return page("Sign in – CareGraph", b.toString());
    }

    static String picker(String csrfName, String csrfToken, String request, String app, String user, String filter,
                         List<PatientChoice> patients, boolean more) {
        StringBuilder b = new StringBuilder();
        b.append("<h1>Choose a patient</h1><p><strong>").append(e(app)).append("</strong> works with one patient's record. ")
                .append("Signed in as ").append(e(user)).append(".</p>");
        b.append("<form method=\"get\" action=\"/auth/authorize/patient\" role=\"search\">").append(hidden("request", request))
                .append("<label for=\"name\">Find by name</label>")
                .append("<input type=\"search\" id=\"name\" name=\"name\" value=\"").append(e(filter)).append("\">")
                .append("<button type=\"submit\" class=\"secondary\">Search</button></form>");
        if (patients.isEmpty()) {
            b.append("<p role=\"status\">No patient you may see matches.</p>");
        } else {
            b.append("<form method=\"post\" action=\"/auth/authorize/patient\">").append(hidden(csrfName, csrfToken))
                    .append(hidden("request", request))
                    .append("<fieldset><legend>Patients</legend>");
            boolean first = true;
            for (PatientChoice p : patients) {
                String id = "p-" + p.id();
                b.append("<div class=\"patient\"><input type=\"radio\" name=\"patient\" required id=\"").append(e(id))
                        .append("\" value=\"").append(e(p.id())).append('"').append(first ? " checked" : "").append("> <label for=\"")
                        .append(e(id)).append("\">").append(e(p.name()));
                if (p.birthDate() != null) b.append(", born ").append(e(p.birthDate()));
                if (p.gender() != null) b.append(", ").append(e(p.gender()));
                b.append("</label></div>");
                first = false;
            }
            b.append("</fieldset>");
            if (more) b.append("<p>More patients match: narrow the search by name.</p>");
            b.append("<button type=\"submit\" name=\"action\" value=\"choose\">Continue</button> ")
                    .append("<button type=\"submit\" name=\"action\" value=\"cancel\" class=\"secondary\" formnovalidate>Cancel</button></form>");
        }
        return page("Choose a patient – CareGraph", b.toString());
    }

    static String signOut(String csrfName, String csrfToken) {
        return page("Sign out – CareGraph", "<h1>Sign out of CareGraph</h1><p>Apps you signed in to keep the access they "
                + "were given until it expires; the next sign-in will ask for your password again.</p>"
                + "<form method=\"post\" action=\"/auth/logout\">" + hidden(csrfName, csrfToken)
                + "<button type=\"submit\">Sign out</button></form>");
    }

    static String error(String title, String message) {
        return page(title + " – CareGraph", "<h1>" + e(title) + "</h1><p class=\"alert\" role=\"alert\">" + e(message)
                + "</p><p>The app that sent you here is not set up to use this server; its administrator can check its "
                + "registration (<code>caregraph clients list</code>).</p>");
    }

    private static String page(String title, String body) {
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" + e(title) + "</title>"
                + "<style>" + STYLE + "</style></head><body><main>" + body + "</main></body></html>";
    }

    private static String hidden(String name, String value) {
        return "<input type=\"hidden\" name=\"" + e(name) + "\" value=\"" + e(value) + "\">";
    }

    private static String e(String s) {
        return s == null ? "" : HtmlUtils.htmlEscape(s, "UTF-8");
    }

    private static String sha256(String text) {
        try {
            return "sha256-" + Base64.getEncoder().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
