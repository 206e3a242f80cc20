package org.caregraph.security;

/**
 * The writer refused a write of the caller's: a resource it may not see (answered as not found: no existence oracle),
 * or content its scopes do not allow — a type or interaction not granted, or a resource put into the compartment of a
 * patient outside the caller's reach (answered as forbidden).
 */
public final class WriteRefusedException extends RuntimeException {
    private final boolean hidden;
    private final String key;

    private WriteRefusedException(String key, boolean hidden, String message) {
        super(message);
        this.key = key;
        this.hidden = hidden;
    }

    /** {@code key} exists but lies outside what the caller may see. */
    public static WriteRefusedException notVisible(String key) {
        return new WriteRefusedException(key, true, key + " is not known");
    }

    public static WriteRefusedException forbidden(String key, String why) {
        return new WriteRefusedException(key, false, why);
    }

    /** Whether the refusal must look like the resource does not exist (404). */
    public boolean hidden() {
        return hidden;
    }

    public String key() {
        return key;
    }
}
