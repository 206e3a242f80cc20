package org.caregraph.security.transport;

/** Plain HTTP on an address other machines can reach, with no TLS-terminating proxy declared. */
public class InsecureTransportException extends IllegalStateException {
    InsecureTransportException(String address) {
        super("CareGraph would serve patient data over plain HTTP on " + address + ", which other machines can reach");
    }
}
