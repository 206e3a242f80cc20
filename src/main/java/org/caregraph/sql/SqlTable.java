package org.caregraph.sql;

import java.util.List;

/**
 * A table the SQL store keeps: its name (what analysts query), its columns, and a hash of its definition (a table
 * whose definition changed is rebuilt). Each row belongs to one source key — the resource a view row comes from, the
 * patient an encounter chain row belongs to — and is replaced whenever that key changes.
 */
public sealed interface SqlTable permits ViewTable, ChainTable {
    String name();

    List<SqlColumn> columns();

    String hash();

    /** Where the definition comes from, for the catalog and messages: a built-in file or a stored ViewDefinition. */
    String source();
}
