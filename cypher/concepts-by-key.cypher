// Concepts by key (system|code), for measured values whose concept is named on the node. $keys.
UNWIND $keys AS key
MATCH (k:Concept {key: key})
RETURN k {.key, .system, .code, .display} AS concept
