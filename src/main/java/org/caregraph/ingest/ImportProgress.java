package org.caregraph.ingest;

/**
 * Counters of a running or finished import. {@code read} counts resources and rejected lines seen; of the resources,
 * {@code written} were new or changed, {@code unchanged} were already stored as they are; {@code failed} were rejected.
 */
public record ImportProgress(long read, long written, long unchanged, long failed, long files, double seconds) {
    public double perSecond() {
        return seconds <= 0 ? 0 : (written + unchanged) / seconds;
    }

    public long imported() {
        return written + unchanged;
    }
}
