package org.caregraph.graph;

import java.util.Set;

/**
 * What a committed write changed, published by {@link GraphWriter} after the commit (on the writer's thread, so
 * listeners only take note and return): the keys of resources written, rewritten in place or deleted, and the keys
 * of patients whose journey (encounter chain) was relinked. Read-side copies of the graph (the SQL store) bring
 * exactly these up to date.
 */
public record GraphChanged(Set<String> keys, Set<String> relinked) {
}
