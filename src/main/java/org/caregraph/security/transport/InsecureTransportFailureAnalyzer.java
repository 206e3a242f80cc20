package org.caregraph.security.transport;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Says what to do instead of printing a stack trace when the server refuses to start on plain HTTP. */
class InsecureTransportFailureAnalyzer extends AbstractFailureAnalyzer<InsecureTransportException> {
    @Override
    protected FailureAnalysis analyze(Throwable root, InsecureTransportException cause) {
        return new FailureAnalysis(cause.getMessage() + ".",
                "Serve HTTPS with CAREGRAPH_TLS_CERT and CAREGRAPH_TLS_KEY (PEM files; serve --tls-cert/--tls-key); "
                        + "or, when a reverse proxy in front of CareGraph terminates TLS, say so with "
                        + "CAREGRAPH_TLS_PROXY=true (serve --tls-proxy) and name its addresses in "
                        + "CAREGRAPH_TRUSTED_PROXIES; or bind 127.0.0.1 (SERVER_ADDRESS).", cause);
    }
}
