package org.caregraph.graph;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Rules of a capability for the resources it owns, beyond their FHIR structure (a ViewDefinition must compile), checked
 * by {@link ResourceMapper#map} on every write path — REST, transactions, import — before anything is stored.
 */
public interface ResourceValidator {
    /** @throws InvalidResourceException naming the element that breaks a rule */
    void validate(String type, ObjectNode resource);
}
