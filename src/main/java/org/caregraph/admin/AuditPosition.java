package org.caregraph.admin;

import java.util.Optional;

/**
 * Where the audit log stands: the sequence number and hash of its last record. A backup records it at its cut, under
 * the writer lock, so an operator restoring the graph knows which audit records (files kept apart from the graph)
 * belong to the state restored. The audit log provides it as a bean; without one a backup records no position.
 */
public interface AuditPosition {
    /** The last record written: its sequence number and its chain hash. */
    record Mark(long sequence, String hash) {
    }

    /** The position now; empty before the first record. */
    Optional<Mark> current();
}
