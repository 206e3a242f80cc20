package org.caregraph.security.logging;

import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import org.springframework.boot.logging.logback.ExtendedWhitespaceThrowableProxyConverter;

/**
 * Spring Boot's stack trace layout ({@code %wEx}), with each exception's class and frames but not its message: a
 * parser's "Unrecognized token 'Smith'", a constraint violation quoting a property value or an invalid date echoing
 * the input would otherwise put patient data into the log. Registered as {@code %phiSafeEx} in logback-spring.xml and
 * used through {@code logging.exception-conversion-word}; a developer on synthetic data can set that back to
 * {@code %wEx}.
 */
public class MessageFreeThrowableConverter extends ExtendedWhitespaceThrowableProxyConverter {
    @Override
    protected String throwableProxyToString(IThrowableProxy tp) {
        return super.throwableProxyToString(WithoutMessage.of(tp));
    }

    private record WithoutMessage(IThrowableProxy proxy) implements IThrowableProxy {
        static IThrowableProxy of(IThrowableProxy proxy) {
            return proxy == null ? null : new WithoutMessage(proxy);
        }

        @Override
        public String getMessage() {
            return null;
        }

        @Override
        public String getOverridingMessage() {
            return null;
        }

        @Override
        public String getClassName() {
            return proxy.getClassName();
        }

        @Override
        public StackTraceElementProxy[] getStackTraceElementProxyArray() {
            return proxy.getStackTraceElementProxyArray();
        }

        @Override
        public int getCommonFrames() {
            return proxy.getCommonFrames();
        }

        @Override
        public IThrowableProxy getCause() {
            return of(proxy.getCause());
        }

        @Override
        public IThrowableProxy[] getSuppressed() {
            IThrowableProxy[] suppressed = proxy.getSuppressed();
            if (suppressed == null) return null;
            IThrowableProxy[] wrapped = new IThrowableProxy[suppressed.length];
            for (int i = 0; i < suppressed.length; i++) wrapped[i] = of(suppressed[i]);
            return wrapped;
        }

        @Override
        public boolean isCyclic() {
            return proxy.isCyclic();
        }
    }
}
